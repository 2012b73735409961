import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { devToolsEnabled } from "@/lib/dev-tools.ts";
import { env } from "@/lib/env.ts";
import { logger } from "@/lib/log.ts";

/**
 * Pause points, so a scenario can stop a checkout at an exact moment (after Stripe charged,
 * before the order is recorded paid): the e2e suite and the campaign hold it there and SIGKILL
 * the process; the lab makes it crash there. Inert unless ENABLE_TEST_ENDPOINTS=1 or the lab is
 * open, and a test or lab run armed the point. One point after each step that commits:
 */
export const PAUSE_POINTS = [
  /** The claim and the order committed (ORDER_CREATED, lock held); Stripe not called yet. */
  "after_order_created",
  /** Reconciling found no PaymentIntent for the order's attempt; the next attempt committed, Stripe not called under its key yet. */
  "after_next_attempt",
  /** Stripe charged; nothing recorded yet — the worst moment. */
  "after_payment",
  /** FINISHED committed; the answer not sent yet. */
  "after_finished",
  /** A webhook verified, not yet recorded: Stripe will deliver it again. */
  "webhook_verified",
  /** The completer took a stuck checkout over (its lock), and has not resumed it yet. */
  "completer_took_over",
  /** Stripe refunded; the order not yet marked refunded. */
  "after_refund",
  /**
   * The mail consumer committed a mailbox entry; its hand-over not acknowledged yet (in process: the
   * relay's mark). With a broker the consumer is the mailer process: the relay takes the arm and
   * sends it along with the message (lib/mail/publisher.ts), and the mailer acts on it.
   */
  "mail_after_commit",
  /** The relay's hand-over done (with a broker: it confirmed the publish; in process: just after mail_after_commit); the outbox row not yet marked sent. */
  "relay_after_publish",
] as const;
export type PausePointName = (typeof PAUSE_POINTS)[number];
export type PausePlan = { ms: number; crash?: boolean; scope?: string };

/** Thrown at a pause point armed with `crash`: nothing after it runs, as if the process had died. */
export class SimulatedCrash extends Error {
  constructor(point: string) {
    super(`Simulated crash at ${point}: the process "died" here, leaving its lock and recovery point behind`);
  }
}

type Waiting = { point: PausePointName; scope: string; since: string };

// On globalThis: Next.js bundles the route that arms a point and the server action that waits
// at it separately, each with its own copy of this module.
const globalForHooks = globalThis as unknown as { testPausePoints?: Map<string, PausePlan>; testPauseWaiting?: Set<Waiting> };
const armed = (globalForHooks.testPausePoints ??= new Map<string, PausePlan>());
const waiting = (globalForHooks.testPauseWaiting ??= new Set<Waiting>());
const slot = (name: string, scope?: string) => `${name}|${scope ?? "*"}`;

/** Arms the point once: for the next checkout in `scope`, or the next one at all. */
export function armPausePoint(name: PausePointName, plan: PausePlan): void {
  armed.set(slot(name, plan.scope), plan);
}

export function disarmPausePoints(): number {
  const count = armed.size;
  armed.clear();
  return count;
}

/** What is armed, and what is held at a point right now (so a test kills the process at the right moment). */
export function pausePointState() {
  return { points: PAUSE_POINTS, armed: [...armed.keys()], waiting: [...waiting] };
}

/** The plan armed for `name` in `scope` (or for any scope), taken: it fires once. Null when none, or when hooks are off. */
export function takeArmed(name: PausePointName, scope: string): PausePlan | null {
  if (!env().ENABLE_TEST_ENDPOINTS && !devToolsEnabled()) return null;
  const key = armed.has(slot(name, scope)) ? slot(name, scope) : slot(name);
  const plan = armed.get(key);
  if (!plan) return null;
  armed.delete(key);
  return plan;
}

export async function pausePoint(name: PausePointName, scope: string): Promise<void> {
  const plan = takeArmed(name, scope);
  if (!plan) return;
  const held: Waiting = { point: name, scope, since: new Date().toISOString() };
  waiting.add(held);
  try {
    await sleep(plan.ms);
  } finally {
    waiting.delete(held);
  }
  if (plan.crash) throw new SimulatedCrash(name);
}

/**
 * Guarantee switches, for the campaign's own test: each turns one protection off, so that the
 * checker must report the invariant it protects (campaign/README.md lists which). Set at run time
 * (BREAK_GUARANTEES=a,b) on the same build, and honoured only with ENABLE_TEST_ENDPOINTS=1.
 */
export const GUARANTEE_SWITCHES = {
  /** Stripe gets no key derived from the order: each retry or resume may create another PaymentIntent. */
  derived_stripe_key: "invariant 2 (one successful charge per order)",
  /** Order transitions ignore the state they come from: a late or reordered webhook moves an order backwards. */
  forward_only: "invariant 5 (an order's history only moves forward)",
  /** Idempotency records ignore the scope: a key another client also uses answers with that client's order. */
  scoped_keys: "invariant 8 (no client is answered with another scope's order)",
  /** The cart read in several statements again (version, then lines): an edit committing in between tears the order. */
  torn_cart_read: "invariant 2 (an order's lines are those of the cart version it names)",
} as const;
export type GuaranteeSwitch = keyof typeof GUARANTEE_SWITCHES;

const switchList = z
  .string()
  .transform((raw) => raw.split(",").map((name) => name.trim()).filter(Boolean))
  .pipe(z.array(z.enum(Object.keys(GUARANTEE_SWITCHES) as [GuaranteeSwitch, ...GuaranteeSwitch[]])));

const globalForSwitches = globalThis as unknown as { brokenGuarantees?: ReadonlySet<GuaranteeSwitch> };

function brokenGuarantees(): ReadonlySet<GuaranteeSwitch> {
  if (globalForSwitches.brokenGuarantees) return globalForSwitches.brokenGuarantees;
  const config = env();
  const names = config.ENABLE_TEST_ENDPOINTS ? switchList.parse(config.BREAK_GUARANTEES) : [];
  if (names.length) logger.warn({ brokenGuarantees: names }, "GUARANTEES SWITCHED OFF for a test run");
  globalForSwitches.brokenGuarantees = new Set(names);
  return globalForSwitches.brokenGuarantees;
}

/** True when this test run switched the guarantee off; always false without ENABLE_TEST_ENDPOINTS=1. */
export function guaranteeOff(name: GuaranteeSwitch): boolean {
  return brokenGuarantees().has(name);
}
