import { setTimeout as sleep } from "node:timers/promises";
import { readUnsettled, settled, type Unsettled } from "./checker/database.ts";

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
