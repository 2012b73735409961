import { setTimeout as sleep } from "node:timers/promises";

/**
 * Test-only pause points, so a scenario can kill the process at an exact moment (after Stripe
 * charged, before the order is recorded paid). Inert unless ENABLE_TEST_ENDPOINTS=1 and a test
 * armed the point through POST /api/test/pause.
 */
// On globalThis: Next.js bundles the route that arms a point and the server action that waits
// at it separately, each with its own copy of this module.
const globalForHooks = globalThis as unknown as { testPausePoints?: Map<string, number> };
const armed = (globalForHooks.testPausePoints ??= new Map<string, number>());

export function armPausePoint(name: string, ms: number): void {
  armed.set(name, ms);
}

export async function pausePoint(name: string): Promise<void> {
  if (process.env.ENABLE_TEST_ENDPOINTS !== "1") return;
  const ms = armed.get(name);
  if (ms === undefined) return;
  armed.delete(name);
  await sleep(ms);
}
