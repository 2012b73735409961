import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestDatabase } from "../../setup/database.ts";

// The app's pause points become the scheduler's gates (./gates.ts); everything else of lib/test-hooks.ts is real.
vi.mock("@/lib/test-hooks.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/test-hooks.ts")>();
  const { gateAt } = await import("./gates.ts");
  return { ...original, pausePoint: (name: string) => gateAt(name) };
});

let database: TestDatabase;
let payments: { url: string; close: () => Promise<void> };

/**
 * This file's own database and payments server (before any app module loads): the purge and the
 * completer act on every row, and each run reads the whole ledger, so nothing here may be shared
 * with the files running beside it.
 */
beforeAll(async () => {
  const { createTestDatabase } = await import("../../setup/database.ts");
  const { startPaymentsServer } = await import("../../../payments-server/src/index.ts");
  database = await createTestDatabase(process.env.TEST_DATABASE_KIND === "postgres" ? "postgres" : "pglite");
  payments = await startPaymentsServer({ port: 0, testApi: true, webhookSecret: "whsec_test_secret", asyncSettleDelayMs: 30 });
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    STRIPE_API_URL: payments.url,
    PAYMENTS_URL: payments.url,
    // One try per Stripe call: a lost answer is an unknown outcome at once, not after the SDK's backoff.
    STRIPE_MAX_NETWORK_RETRIES: "0",
  });
});

afterAll(async () => {
  await payments?.close();
  await database?.close();
});

describe("checkout properties (fast-check: random interleavings on the real database)", () => {
  it("keeps every invariant of the campaign's checker under any interleaving of checkouts, takeovers, webhooks, completer runs, purges, refunds and cart edits", async () => {
    const { checkProperty, coverageText, optionsFromEnv } = await import("./property.ts");
    const fc = await import("fast-check");
    const postgres = process.env.TEST_DATABASE_KIND === "postgres";
    const options = optionsFromEnv({ numRuns: postgres ? 20 : 10, timeLimitMs: postgres ? 45_000 : 30_000 });
    console.log(`[properties] ${database.kind} seed=${options.seed} numRuns=${options.numRuns} open breaches included: ${options.include.join(",") || "none"}; replay with PROPERTY_SEED=${options.seed}`);
    const started = Date.now();
    const details = await checkProperty(options);
    console.log(`[properties] ${details.numRuns} runs${details.interrupted ? " (interrupted by the time limit)" : ""}, ${details.numShrinks} shrinks, ${Math.round((Date.now() - started) / 1000)} s, seed=${details.seed}`);
    console.log(`[properties] what the runs exercised:\n${coverageText()}`);
    const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance ?? "");
    expect(details.failed, `${fc.defaultReportMessage(details)}\n\n${why}`).toBe(false);
  }, Number(process.env.PROPERTY_TIME_LIMIT_MS ?? 60_000) + 240_000);
});
