import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GUARANTEE_SWITCHES } from "@/lib/test-hooks.ts";
import { CampaignOptions } from "../../options.ts";
import { makePlan } from "../../plan.ts";
import { runCampaign } from "../../run.ts";

/**
 * The checker catches broken guarantees: a short campaign on a 2-instance cluster with guarantees
 * switched off (BREAK_GUARANTEES, on the same build) must report a violation of the invariant each
 * switch protects. Two switches share invariant 2, so each is told by its own message: two charges
 * for one order (derived key), an order holding lines its cart version was not shown with (torn
 * read). Needs a production build, PostgreSQL (DATABASE_URL or the test server) and nginx.
 */
const EXPECTED: Record<keyof typeof GUARANTEE_SWITCHES, { invariant: number; message: RegExp }> = {
  derived_stripe_key: { invariant: 2, message: /successful charges for one order/ },
  forward_only: { invariant: 5, message: /./ },
  scoped_keys: { invariant: 8, message: /./ },
  torn_cart_read: { invariant: 2, message: /^order for cart version \d+ holds \[.*\], that version was shown as/ },
};

/**
 * Each switch shows only when its situation arises, so the seed is one whose plan holds enough of
 * each (checked first, from the plan alone): API clients that number their keys (scoped_keys),
 * succeeding payments whose answer is lost or slow while their webhook is late, so that a retry
 * comes before the webhook settles the order (derived_stripe_key), cart edits racing payments
 * (torn_cart_read; each lands in the window about half the time). Late webhooks are many anyway.
 */
const SEED = 1785;
const OPS = 80;
const EDIT_RACE_SHARE = 0.6;

function planHolds() {
  const plan = makePlan({ seed: SEED, ops: OPS, instances: 2, stripeTimeoutMs: 1500, idempotencyTtlMs: 15_000, pausePoints: [], editRaceShare: EDIT_RACE_SHARE });
  const checkouts = plan.shoppers.flatMap((shopper) => shopper.checkouts);
  const lostBeforeWebhook = checkouts.filter(({ paymentMethod, paymentsFault: fault, webhookFault }) =>
    paymentMethod === "pm_card_visa" &&
    (((fault?.kind === "drop_after_commit" || fault?.kind === "delay_after_commit") && (webhookFault?.delayMs ?? 0) >= 1500) || (fault?.kind === "delay_while_executing" && fault.ms > 1500)));
  return {
    numberingClients: plan.shoppers.filter((shopper) => shopper.checkouts.some((checkout) => checkout.key === "order-1")).length,
    lostBeforeWebhook: lostBeforeWebhook.length,
    editRaces: checkouts.filter((checkout) => checkout.editRace).length,
  };
}

describe("guarantee switches", () => {
  it("every switch is caught by the invariant it protects", async () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(GUARANTEE_SWITCHES).sort());
    const holds = planHolds();
    expect(holds.numberingClients).toBeGreaterThanOrEqual(4);
    expect(holds.lostBeforeWebhook).toBeGreaterThanOrEqual(6);
    expect(holds.editRaces).toBeGreaterThanOrEqual(15);
    process.env.DATABASE_URL ||= process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
    const options = CampaignOptions.parse({
      seed: SEED,
      ops: OPS,
      duration: 120,
      instances: 2,
      embedded: false,
      concurrency: 12,
      editRaceShare: EDIT_RACE_SHARE,
      switches: Object.keys(EXPECTED),
      out: mkdtempSync(path.join(tmpdir(), "campaign-switches-")),
      keep: false,
    });
    const { report, files, all } = await runCampaign(options, { dropDatabase: "always" });
    const violations = Object.fromEntries(report.invariants.map((invariant) => [invariant.id, invariant.violations]));
    console.log(`switch campaign: ${JSON.stringify(violations)} (report ${files.markdown})`);
    for (const [name, { invariant, message }] of Object.entries(EXPECTED)) {
      const caught = all.filter((violation) => violation.invariant === invariant && message.test(violation.message));
      expect(caught.length, `${name} should be caught by invariant ${invariant} (${message})`).toBeGreaterThan(0);
    }
  });
});
