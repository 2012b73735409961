import { REDIS_URL, serviceAvailable } from "../test/setup/services.ts";
import { expect, test } from "./fixtures.ts";

type Counts = { orders: number; charges: number; messages: number };
/** `waitsMs`: how much longer than the others the run waits by design (a lease or lock running out). */
type Expectation = { title: string; timeline: RegExp[]; safe: Counts; naive: Counts; waitsMs?: number };

// What each lab run must show: steps on its timeline (read from the audit table and the runner's
// narration) and its final counts, beside what a checkout without idempotency does.
const ONCE: Counts = { orders: 1, charges: 1, messages: 1 };
// The web server gets this process's environment (playwright.config.ts): with AMQP_URL the
// confirmations go through RabbitMQ to the mailer process, and the timeline says so.
const FIRST_DELIVERY = new RegExp(`Confirmation delivered to the mailbox \\(delivery 1${process.env.AMQP_URL ? ", from RabbitMQ" : ""}\\)`);
const TWICE: Counts = { orders: 2, charges: 2, messages: 2 };
const SCENARIOS: Record<string, Expectation> = {
  "double-click": { title: "Double-click on Pay", timeline: [/Key \S+ claimed: a new checkout/, /still being processed: 409/, /stored answer 201 replayed/], safe: ONCE, naive: TWICE },
  "timeout-false-negative": {
    title: "Stripe times out, but charged",
    timeline: [/payment_intents\.create with key order_\S+_payment_intent → unknown/, /At Stripe: pi_\S+ succeeded/, /Lock released/, /taken over to resume/, /Stripe replayed its first answer/],
    safe: ONCE,
    naive: TWICE,
  },
  "lost-response": { title: "The answer is lost on the way back", timeline: [/connection dropped before the answer/, /stored answer 201 replayed/], safe: ONCE, naive: TWICE },
  reload: { title: "Reload while paying", timeline: [/connection dropped before the answer/, /still being processed: 409/, /stored answer 201 replayed/], safe: ONCE, naive: TWICE },
  "two-tabs": { title: "Two tabs, one cart", timeline: [/Tab A: Pay( \(again\))? ← 201/, /Tab B: Pay( \(again\))? ← 201 · order paid · Idempotent-Replayed: true/], safe: ONCE, naive: TWICE },
  "webhook-storm": {
    title: "Webhook storm",
    timeline: [/payment_intent\.succeeded \(evt_\S+\) applied/, /payment_intent\.succeeded \(evt_\S+\) delivered again: duplicate, ignored/, /payment_failed \(evt_\S+\) is stale/, /Order → paid/, FIRST_DELIVERY],
    safe: ONCE,
    naive: { orders: 1, charges: 1, messages: 5 },
  },
  "decline-then-retry": {
    title: "Declined, then another card",
    timeline: [/← 402 · card_declined/, /reused for a different request: 422/, /New key, Visa ← 201/],
    safe: { orders: 2, charges: 1, messages: 1 },
    naive: { orders: 3, charges: 2, messages: 2 },
  },
  "crash-after-payment": {
    title: "Crash right after the charge",
    timeline: [/Pay ← 500/, /At Stripe: pi_\S+ succeeded .* no record of it/, /still being processed: 409/, /taken over to resume/, /Stripe replayed its first answer/],
    safe: ONCE,
    naive: TWICE,
  },
  "mailer-crash": {
    title: "The mailer crashes before acknowledging",
    timeline: [/crash right after writing/, FIRST_DELIVERY, /delivered again \(delivery 2\): already processed, skipped/],
    safe: ONCE,
    naive: { orders: 1, charges: 1, messages: 2 },
  },
  "relay-dies-after-publish": {
    title: "The relay dies after publishing, before marking the row sent",
    timeline: [
      /relay will die right after handing/,
      FIRST_DELIVERY,
      /outbox row is still unsent: the dead relay's lease \(\d+ s\) holds it \d+ s more/,
      /delivered again \(delivery 2\): already processed, skipped/,
      /marked sent/,
      /From the database: 2 deliveries reached the consumer, 1 skipped as duplicates, 1 email in the mailbox/,
    ],
    safe: ONCE,
    naive: { orders: 1, charges: 1, messages: 2 },
    // The dead relay's lease (RELAY_LEASE_MS, lib/mail/relay.ts) runs out before the second copy.
    waitsMs: 30_000,
  },
  "publish-storm": {
    title: "A duplicate publish storm",
    timeline: [/Publishing the confirmation 10 more times at once/, FIRST_DELIVERY, /delivered again \(delivery 11\): already processed, skipped/, /From the database: 11 deliveries reached the consumer, 10 skipped as duplicates, 1 email in the mailbox/],
    safe: ONCE,
    naive: { orders: 1, charges: 1, messages: 11 },
  },
  "redis-lock": {
    title: "Redis lock versus database claim",
    timeline: [
      /Redis guard · click 2 → processed: a new order and a new charge/,
      /redis-server restarted: every key it held is gone/,
      /Redis guard · click 2, same key → processed/,
      /Redis guard · retry after the lock expired → processed/,
      /stored answer 201 replayed/,
      /Stripe replayed its first answer/,
    ],
    safe: { orders: 3, charges: 3, messages: 3 },
    naive: { orders: 6, charges: 6, messages: 6 },
  },
  "naive-versus-safe": { title: "Naive versus safe", timeline: [/Order created without a key/, /with no idempotency key → succeeded/, /stored answer 201 replayed/], safe: ONCE, naive: { orders: 5, charges: 5, messages: 5 } },
};

test.describe("Lab", () => {
  for (const [id, expected] of Object.entries(SCENARIOS)) {
    test(`${id}: the run shows each step on its timeline and ends with ${expected.safe.charges} charge(s)`, async ({ page }, testInfo) => {
      if (expected.waitsMs) test.setTimeout(60_000 + expected.waitsMs);
      if (id === "redis-lock") test.skip(!(await serviceAvailable("Redis", REDIS_URL, "start redis-server, or set REDIS_URL")), "needs Redis (REDIS_URL)");
      await page.goto(`/lab?scenario=${id}`);
      const panel = page.getByRole("region", { name: expected.title });
      await expect(panel.getByRole("heading", { name: expected.title })).toBeVisible();
      await panel.getByRole("button", { name: "Run this scenario" }).click();

      await expect(panel.getByTestId("run-status")).toHaveText("Finished", { timeout: 50_000 + (expected.waitsMs ?? 0) });
      const timeline = panel.getByRole("list", { name: "Run timeline" });
      for (const step of expected.timeline) await expect(timeline.getByRole("listitem").filter({ hasText: step }).first()).toBeVisible();
      for (const [row, count] of Object.entries(expected.safe)) await expect(panel.getByTestId(`safe-${row}`)).toHaveText(String(count));
      for (const [row, count] of Object.entries(expected.naive)) await expect(panel.getByTestId(`naive-${row}`)).toHaveText(String(count));

      const screenshot = testInfo.outputPath(`lab-${id}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      await testInfo.attach(`lab-${id}`, { path: screenshot, contentType: "image/png" });
    });
  }

  test("a code reference opens the source with the function highlighted", async ({ page }) => {
    await page.goto("/lab?scenario=double-click");
    await page.getByRole("link", { name: "lib/idempotency.ts · claim" }).click();
    await expect(page.getByRole("heading", { name: "lib/idempotency.ts · claim" })).toBeVisible();
    const highlighted = page.locator("[data-highlighted]");
    await expect(highlighted.filter({ hasText: "Claims (scope, key) inside the caller's transaction" })).toHaveCount(1);
    await expect(highlighted.filter({ hasText: "export async function claim(" })).toHaveCount(1);
    await expect(highlighted.filter({ hasText: "export async function takeOver(" })).toHaveCount(0);
  });
});
