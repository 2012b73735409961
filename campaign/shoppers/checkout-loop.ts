import { setTimeout as sleep } from "node:timers/promises";
import type { Copy } from "../log-schema.ts";
import type { CheckoutPlan } from "../plan.ts";
import type { Meaning } from "./http.ts";

/** Answers after which a shopper stops sending the key again: the outcome is known. */
const FINAL = new Set(["paid", "processing", "placed", "refunded", "failed", "mismatch", "rejected"]);
export const isFinal = (meaning: Meaning) => FINAL.has(meaning.told);

const best = (meanings: Meaning[]) => meanings.find(isFinal) ?? meanings.find((m) => m.told !== "none") ?? meanings[0]!;

/**
 * One logical checkout's submits, as a shopper makes them: the first submit, with its duplicate
 * clicks at once (the first may be abandoned), then the same key again after anything that did not
 * settle it (no answer, 409, 503, a 5xx) with exponential backoff, then maybe a reload much later.
 * `alongside` runs what races the submit (a second tab, a cart edit).
 */
export async function submitUntilAnswered(
  plan: CheckoutPlan,
  submit: (copy: Copy, abandonAfterMs?: number) => Promise<Meaning>,
  options: { alongside?: Promise<unknown>; idempotencyTtlMs: number; later: (task: Promise<unknown>) => void },
): Promise<Meaning> {
  const first = Array.from({ length: plan.clicks }, (_, index) =>
    index === 0 ? submit("first", plan.abandonFirstAfterMs ?? undefined) : sleep(index * 15).then(() => submit("click")));
  let answer = best(await Promise.all([...first]));
  await options.alongside;
  for (let attempt = 0; attempt < plan.retries && !isFinal(answer); attempt++) {
    await sleep(plan.backoffMs * 2 ** attempt);
    answer = await submit("retry");
  }
  if (plan.reloadAfterMs !== null && plan.reloadAfterMs > options.idempotencyTtlMs) {
    // A tab reloaded long after, once the key's record has expired and may be purged: the shopper
    // moves on meanwhile, so this one runs in the background.
    options.later(sleep(plan.reloadAfterMs).then(() => submit("late_reload")));
  } else if (plan.reloadAfterMs !== null) {
    await sleep(plan.reloadAfterMs);
    const reload = await submit("reload");
    if (isFinal(reload) || !isFinal(answer)) answer = reload;
  }
  return answer;
}

/** Follows an order that is not settled yet (processing, or a redirect that did not say) a few times. */
export async function followOrder(meaning: Meaning, poll: () => Promise<Meaning>): Promise<Meaning> {
  let current = meaning;
  for (let attempt = 0; attempt < 3 && current.orderId && (current.told === "placed" || current.told === "processing" || current.told === "pending"); attempt++) {
    if (attempt > 0) await sleep(1_000);
    const seen = await poll();
    if (seen.told !== "none" && seen.told !== "error") current = { ...seen, orderId: current.orderId };
  }
  return current;
}
