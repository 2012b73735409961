import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GUARANTEE_SWITCHES } from "@/lib/test-hooks.ts";
import { CampaignOptions } from "../../options.ts";
import { runCampaign } from "../../run.ts";

/**
 * The checker catches broken guarantees: a short campaign on a 2-instance cluster with guarantees
 * switched off (BREAK_GUARANTEES, on the same build) must report a violation of the invariant each
 * switch protects. Needs a production build, PostgreSQL (DATABASE_URL or the test server) and nginx.
 */
const EXPECTED: Record<keyof typeof GUARANTEE_SWITCHES, number> = {
  derived_stripe_key: 2,
  forward_only: 5,
  scoped_keys: 8,
};

describe("guarantee switches", () => {
  it("every switch is caught by the invariant it protects", async () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(GUARANTEE_SWITCHES).sort());
    process.env.DATABASE_URL ||= process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
    const options = CampaignOptions.parse({
      seed: 7,
      ops: 80,
      duration: 120,
      instances: 2,
      embedded: false,
      concurrency: 12,
      switches: Object.keys(EXPECTED),
      out: mkdtempSync(path.join(tmpdir(), "campaign-switches-")),
      keep: false,
    });
    const { report, files } = await runCampaign(options, { dropDatabase: "always" });
    const violations = Object.fromEntries(report.invariants.map((invariant) => [invariant.id, invariant.violations]));
    console.log(`switch campaign: ${JSON.stringify(violations)} (report ${files.markdown})`);
    for (const [name, invariant] of Object.entries(EXPECTED)) expect(violations[invariant], `${name} should be caught by invariant ${invariant}`).toBeGreaterThan(0);
  });
});
