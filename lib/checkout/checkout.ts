import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { audit, recordAudit } from "@/lib/audit.ts";
import type { ClaimOutcome } from "@/lib/audit-events.ts";
import { db, transactionNotStarted } from "@/lib/db.ts";
import { env } from "@/lib/env.ts";
import { advance, claim, complete, findFinished, fingerprint, RecoveryPoint, release, type Claim, type Lease } from "@/lib/idempotency.ts";
import { lockRecord, retryingConflicts } from "@/lib/locking.ts";
import { logger, scopeHash } from "@/lib/log.ts";
import { metrics, outcomeOf } from "@/lib/metrics.ts";
import { loadOrder } from "@/lib/orders.ts";
import type { ChargeResult } from "@/lib/payments/payment-intents.ts";
import { createOrFindOrder } from "@/lib/checkout/create-order.ts";
import { payOrder } from "@/lib/checkout/pay.ts";
import { CheckoutRejected } from "@/lib/checkout/errors.ts";
import { requestMeaning, type CheckoutRequest } from "@/lib/checkout/request.ts";
import { applyPaymentOutcome, stripeCallStep } from "@/lib/checkout/settle.ts";
import { busy, inFlight, mismatch, outcomeUnknown, rejected, replayed, settledResponse, type CheckoutResult } from "@/lib/checkout/responses.ts";
import { guaranteeOff, pausePoint } from "@/lib/test-hooks.ts";

type KnownOutcome = Exclude<ChargeResult, { kind: "unknown" }>;

/**
 * Exactly-once checkout, shared by the placeOrder server action and POST /api/checkout.
 *
 *   read key  ──── finished          → replay the stored answer (422 if another request); no transaction
 *   claim key ─┬─ finished          → replay the stored answer (it finished meanwhile)
 *              ├─ other request     → 422
 *              ├─ in flight         → 409 (or wait, for the server action)
 *              └─ new / taken over  → resume at the record's recovery point:
 *   STARTED        tx: claim + create order                      → ORDER_CREATED
 *   ORDER_CREATED  Stripe, key derived from the order (no tx open)
 *                  tx: record payment, move order, store answer  → FINISHED
 *
 * A crash anywhere leaves the record at its last recovery point; the next attempt with the
 * same key (or the completer) resumes there and sends Stripe the same request under the same
 * key, so a charge that did happen is found again instead of made twice.
 */
export async function checkout(request: CheckoutRequest, options: { waitForInFlight?: boolean } = {}): Promise<CheckoutResult> {
  const started = performance.now();
  const requestId = randomUUID();
  const deadline = Date.now() + env().CHECKOUT_WAIT_MS;
  for (let pause = 150; ; pause = Math.min(pause * 1.5, 1000)) {
    const result = await attemptOrBusy(request);
    // The server action waits for a concurrent duplicate (a double-click) and shows its result.
    // The wait outlasts the lock timeout, so a lock left by a dead process is taken over here.
    const waitable = result.body.error?.code === "idempotency_key_in_use" || result.body.error?.code === "checkout_busy";
    if (!waitable || !options.waitForInFlight || Date.now() > deadline) {
      observe(request, result, (performance.now() - started) / 1000, requestId);
      return result;
    }
    // Each look is a transaction (and an audit row): the pause grows, so twenty waiters do not
    // crowd out the very checkout they wait for (the embedded database runs one transaction at a time).
    await sleep(pause * (0.75 + Math.random() / 2));
  }
}

/** A transaction that could not even start wrote nothing: a clear, retryable 503 rather than a 500. */
async function attemptOrBusy(request: CheckoutRequest): Promise<CheckoutResult> {
  try {
    return await attempt(request);
  } catch (error) {
    if (!transactionNotStarted(error)) throw error;
    logger.warn({ scope: scopeHash(request.scope), err: error }, "checkout: no transaction could start in time; answered 503 busy");
    return busy();
  }
}

function observe(request: CheckoutRequest, result: CheckoutResult, seconds: number, requestId: string): void {
  const outcome = outcomeOf(result);
  metrics.checkoutRequests.inc({ entry: request.source.kind === "cart" ? "action" : "api", outcome });
  metrics.checkoutDuration.observe({ outcome }, seconds);
  logger.info({ requestId, scope: scopeHash(request.scope), outcome, recoveryPoint: recoveryPointOf(result), status: result.status, orderId: result.body.order?.id, ms: Math.round(seconds * 1000) }, "checkout");
}

async function attempt(request: CheckoutRequest): Promise<CheckoutResult> {
  const config = env();
  const policy = { lockTimeoutMs: config.CHECKOUT_LOCK_TIMEOUT_MS, ttlMs: config.IDEMPOTENCY_TTL_MS };
  const key = { scope: guaranteeOff("scoped_keys") ? "unscoped" : request.scope, key: request.key, fingerprint: fingerprint(requestMeaning(request)) };

  // A duplicate of a finished request: answered from one read, no transaction (a replay changes nothing).
  const finished = await findFinished(db, key);
  if (finished) {
    await recordAudit(db, [claimStep(request, finished)]);
    return finished.kind === "replay" ? replayed(finished.response) : mismatch();
  }

  // STARTED → ORDER_CREATED: the claim and the order commit together, or not at all.
  let claimed;
  try {
    claimed = await db.$transaction(async (tx) => {
      const outcome = await claim(tx, key, policy);
      if (outcome.kind !== "acquired") {
        await recordAudit(tx, [claimStep(request, outcome)]);
        return outcome;
      }
      const { record } = outcome;
      const lease = { recordId: record.id, token: record.token };
      if (record.recoveryPoint === RecoveryPoint.started) {
        const orderId = await createOrFindOrder(tx, request);
        await advance(tx, lease, RecoveryPoint.orderCreated, orderId);
        const subject = { scope: request.scope, orderId };
        await recordAudit(tx, [audit("claim", subject, { outcome: "new", key: request.key }), audit("recovery_point", subject, { point: "order_created" })]);
        return { kind: "resume" as const, lease, orderId };
      }
      // A retry of a checkout whose earlier attempt stopped at ORDER_CREATED (unknown outcome, or a crash).
      await recordAudit(tx, [audit("claim", { scope: request.scope, orderId: record.orderId }, { outcome: "taken_over", key: request.key })]);
      return { kind: "resume" as const, lease, orderId: record.orderId! };
    });
  } catch (error) {
    if (error instanceof CheckoutRejected) return rejected(error);
    throw error;
  }
  if (claimed.kind === "replay") return replayed(claimed.response);
  if (claimed.kind === "mismatch") return mismatch();
  if (claimed.kind === "in_flight") return inFlight(claimed.retryAfterSeconds);
  return resumeFromOrderCreated(claimed.lease, claimed.orderId);
}

const CLAIM_OUTCOMES = { replay: "replayed", mismatch: "mismatch", in_flight: "in_flight" } as const satisfies Record<string, ClaimOutcome>;

function claimStep(request: CheckoutRequest, outcome: Exclude<Claim, { kind: "acquired" }>) {
  return audit("claim", { scope: request.scope, orderId: outcome.orderId }, {
    outcome: CLAIM_OUTCOMES[outcome.kind],
    key: request.key,
    ...(outcome.kind === "replay" && { status: outcome.response.status }),
  });
}

/**
 * ORDER_CREATED → FINISHED, by the attempt that holds the record (`lease`). Also the completer's
 * entry point for records stuck here.
 */
export async function resumeFromOrderCreated(lease: Lease, orderId: string): Promise<CheckoutResult> {
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
  const subject = { scope: order.scope, orderId: order.id };

  // Already settled (by a webhook, or by an attempt whose record was since purged): answer from
  // the order. Calling Stripe again could outlive Stripe's 24 h key window and charge twice.
  let outcome: KnownOutcome | null = null;
  if (order.status === "pending") {
    const charged = await payOrder(order);
    if (charged.kind === "unknown") {
      await db.$transaction(async (tx) => {
        await release(tx, lease);
        await recordAudit(tx, [stripeCallStep(subject, charged), audit("lock_released", subject, { reason: "the payment's outcome is unknown" })]);
      });
      return outcomeUnknown(await loadOrder(db, order.id));
    }
    outcome = charged;
  }

  // ORDER_CREATED → FINISHED, one transaction: record the payment, move the order forward,
  // and store the answer every retry will replay. The charge has happened: a transaction
  // PostgreSQL aborts for a deadlock or a serialization conflict is run again.
  const finished = await retryingConflicts("settle", () =>
    db.$transaction(async (tx) => {
      await lockRecord(tx, lease.recordId); // the row-lock order (lib/locking.ts): the record, then cart, order
      const steps = outcome ? await applyPaymentOutcome(tx, order, outcome) : [];
      const response = settledResponse(await loadOrder(tx, order.id));
      // A slow attempt that was taken over records the payment all the same (forward-only, so
      // harmless twice) but leaves the record to its taker, which stores the same answer.
      await complete(tx, lease, response);
      await recordAudit(tx, [...steps, audit("recovery_point", subject, { point: "finished", status: response.status })]);
      return { ...response, replayed: false };
    }),
  );
  await pausePoint("after_finished", order.scope);
  return finished;
}

function recoveryPointOf(result: CheckoutResult): string | undefined {
  if (result.body.error?.code === "payment_status_unknown") return RecoveryPoint.orderCreated;
  return result.body.order ? RecoveryPoint.finished : undefined;
}
