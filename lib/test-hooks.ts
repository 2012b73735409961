import { setTimeout as sleep } from "node:timers/promises";
import { devToolsEnabled } from "@/lib/dev-tools.ts";
import { env } from "@/lib/env.ts";

/**
 * Pause points, so a scenario can stop a checkout at an exact moment (after Stripe charged,
 * before the order is recorded paid): the e2e suite holds it there and SIGKILLs the process;
 * the lab makes it crash there. Inert unless ENABLE_TEST_ENDPOINTS=1 or the lab is open, and
 * a test or lab run armed the point.
 */
export type PausePlan = { ms: number; crash?: boolean; scope?: string };

/** Thrown at a pause point armed with `crash`: nothing after it runs, as if the process had died. */
export class SimulatedCrash extends Error {
  constructor(point: string) {
    super(`Simulated crash at ${point}: the process "died" here, leaving its lock and recovery point behind`);
  }
}

// On globalThis: Next.js bundles the route that arms a point and the server action that waits
// at it separately, each with its own copy of this module.
const globalForHooks = globalThis as unknown as { testPausePoints?: Map<string, PausePlan> };
const armed = (globalForHooks.testPausePoints ??= new Map<string, PausePlan>());
const slot = (name: string, scope?: string) => `${name}|${scope ?? "*"}`;

/** Arms the point once: for the next checkout in `scope`, or the next one at all. */
export function armPausePoint(name: string, plan: PausePlan): void {
  armed.set(slot(name, plan.scope), plan);
}

export async function pausePoint(name: string, scope: string): Promise<void> {
  if (!env().ENABLE_TEST_ENDPOINTS && !devToolsEnabled()) return;
  const key = armed.has(slot(name, scope)) ? slot(name, scope) : slot(name);
  const plan = armed.get(key);
  if (!plan) return;
  armed.delete(key);
  await sleep(plan.ms);
  if (plan.crash) throw new SimulatedCrash(name);
}
