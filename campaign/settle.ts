import { setTimeout as sleep } from "node:timers/promises";
import { readUnsettled, settled, withDatabase, type Unsettled } from "./checker/database.ts";

/**
 * After the faults stop: waits until nothing is moving any more (no open order, no unfinished or
 * locked record, no unsent message), or until the liveness bound has passed. The checker reads the
 * final state only then; whatever still moves at the bound is an invariant 7 violation.
 */
export async function waitUntilSettled(databaseUrl: string, boundMs: number, onProgress: (state: Unsettled, elapsedMs: number) => void): Promise<{ settledAfterMs: number | null; unsettled: Unsettled }> {
  const started = performance.now();
  let last = 0;
  for (;;) {
    const state = await readUnsettled(databaseUrl);
    const elapsed = Math.round(performance.now() - started);
    if (settled(state)) return { settledAfterMs: elapsed, unsettled: state };
    if (elapsed > boundMs) return { settledAfterMs: null, unsettled: state };
    if (elapsed - last >= 10_000) {
      onProgress(state, elapsed);
      last = elapsed;
    }
    await sleep(500);
  }
}

/**
 * What the mail faults did, for the report (the checker judges the outcome, invariant 4): copies
 * the consumer recognised and skipped (a mailer killed before its ack, a relay killed before its
 * mark), and outbox rows claimed more than once (their relay died holding them, or the hand-over failed).
 */
export async function mailFaultsStruck(databaseUrl: string): Promise<{ duplicateDeliveries: number; claimedAgain: number }> {
  return withDatabase(databaseUrl, async (client) => {
    const { rows } = await client.query<{ again: string; claimed: string }>(`
      select (select coalesce(sum(deliveries - 1), 0) from "ProcessedMessage") as again,
             (select count(*) from "OutboxMessage" where "publishAttempts" > 1) as claimed`);
    return { duplicateDeliveries: Number(rows[0]!.again), claimedAgain: Number(rows[0]!.claimed) };
  });
}
