import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { audit, recordAudit } from "@/lib/audit.ts";
import type { ClaimOutcome } from "@/lib/audit-events.ts";
import { databaseBusy, db } from "@/lib/db.ts";
import { env } from "@/lib/env.ts";
import { advance, claim, complete, fingerprint, RecoveryPoint, release, storedResponse, type Claim, type ClaimInput, type ClaimPolicy, type Lease } from "@/lib/idempotency.ts";
import { retryingConflicts } from "@/lib/locking.ts";
import { logger, scopeHash } from "@/lib/log.ts";
import { metrics, outcomeOf } from "@/lib/metrics.ts";
import { loadOrder, presentOrder } from "@/lib/orders.ts";
import { checkCartLines, checkItemLines, createOrFindOrder, orderLines, totals, type Line } from "@/lib/checkout/create-order.ts";
import { payOrder, type PayableAttempt } from "@/lib/checkout/pay.ts";
import { CheckoutRejected } from "@/lib/checkout/errors.ts";
import { isApiKeyRequest, requestFor, requestMeaning, type CheckoutInput, type CheckoutRequest } from "@/lib/checkout/request.ts";
import { settleAndFinish, settlementOf, stateAfter, stripeCallStep, type OrderState, type SettledOrder } from "@/lib/checkout/settle.ts";
import { claimOrder } from "@/lib/checkout/statements/claim-order.ts";
import { lookUp, type Look, type LookedUpRecord } from "@/lib/checkout/statements/look-up.ts";
import { busy, inFlight, mismatch, outcomeUnknown, rejected, replayed, settledResponse, unauthenticated, type CheckoutResult } from "@/lib/checkout/responses.ts";
import { guaranteeOff, pausePoint } from "@/lib/test-hooks.ts";

/**
 * Exactly-once checkout, shared by the placeOrder server action and POST /api/checkout.
 *
 * The hot path is three statements, each atomic on its own (autocommit), and the Stripe call:
 *
 *   LOOK    who calls (an API key's client); the key's record; a new request's lines
 *           ── unknown API key → 401 · finished → replay · other request → 422 · locked → 409
 *   CLAIM   record + order + lines + timeline         → ORDER_CREATED   (lib/checkout/statements/)
 *   PAY     Stripe, key derived from the order (no transaction open)
 *   SETTLE  payment + order move + cart + outbox + timeline + stored answer  → FINISHED
 *
 * Whatever the single statements leave undecided (the key already claimed, in flight or left at
 * ORDER_CREATED; the cart ordered in another tab; an order whose record was purged) goes to the
 * transactional claim:
 *   claim key ─┬─ finished          → replay the stored answer (it finished meanwhile)
 *              ├─ other request     → 422
 *              ├─ in flight         → 409 (or wait, for the server action)
 *              └─ new / taken over  → resume at the record's recovery point
 *
 * A crash anywhere leaves the record at its last recovery point; the next attempt with the
 * same key (or the completer) resumes there and sends Stripe the same request under the same
 * key, so a charge that did happen is found again instead of made twice.
 */
export async function checkout(input: CheckoutInput, options: { waitForInFlight?: boolean } = {}): Promise<CheckoutResult> {
  const started = performance.now();
  const requestId = randomUUID();
  const deadline = Date.now() + env().CHECKOUT_WAIT_MS;
  for (let pause = 150; ; pause = Math.min(pause * 1.5, 1000)) {
    const { result, scope } = await attemptOrBusy(input);
    // The server action waits for a concurrent duplicate (a double-click) and shows its result.
    // The wait outlasts the lock timeout, so a lock left by a dead process is taken over here.
    const waitable = result.body.error?.code === "idempotency_key_in_use" || result.body.error?.code === "checkout_busy";
    if (!waitable || !options.waitForInFlight || Date.now() > deadline) {
      observe(input, scope, result, (performance.now() - started) / 1000, requestId);
      return result;
    }
    // Each look is a transaction (and an audit row): the pause grows, so twenty waiters do not
    // crowd out the very checkout they wait for (the embedded database runs one transaction at a time).
    await sleep(pause * (0.75 + Math.random() / 2));
  }
}

/** Work the database could not even start wrote nothing: a clear, retryable 503 rather than a 500. */
async function attemptOrBusy(input: CheckoutInput): Promise<{ result: CheckoutResult; scope: string | null }> {
  // The scope, once known: an API request's comes with its look.
  const known = { scope: isApiKeyRequest(input) ? null : input.scope };
  try {
    return { result: await attempt(input, known), scope: known.scope };
  } catch (error) {
    if (!databaseBusy(error)) throw error;
    logger.warn({ scope: known.scope && scopeHash(known.scope), err: error }, "checkout: no transaction could start in time; answered 503 busy");
    return { result: busy(), scope: known.scope };
  }
}

function observe(input: CheckoutInput, scope: string | null, result: CheckoutResult, seconds: number, requestId: string): void {
  const outcome = outcomeOf(result);
  metrics.checkoutRequests.inc({ entry: isApiKeyRequest(input) || input.source.kind === "items" ? "api" : "action", outcome });
  metrics.checkoutDuration.observe({ outcome }, seconds);
  logger.info({ requestId, scope: scope && scopeHash(scope), outcome, recoveryPoint: recoveryPointOf(result), status: result.status, orderId: result.body.order?.id, ms: Math.round(seconds * 1000) }, "checkout");
}

async function attempt(input: CheckoutInput, known: { scope: string | null }): Promise<CheckoutResult> {
  const config = env();
  const policy = { lockTimeoutMs: config.CHECKOUT_LOCK_TIMEOUT_MS, ttlMs: config.IDEMPOTENCY_TTL_MS };
  const unscoped = guaranteeOff("scoped_keys");
  const meaning = { key: input.key, fingerprint: fingerprint(requestMeaning(input)) };

  // LOOK, one statement: an API key is checked in it (an unknown one reads and writes nothing:
  // 401); a duplicate of a finished request is answered from it (a replay changes nothing and
  // takes no lock); a new request gets its lines priced, a cart's in one snapshot.
  const tornRead = !isApiKeyRequest(input) && input.source.kind === "cart" && guaranteeOff("torn_cart_read");
  const look = await lookUp(
    db,
    isApiKeyRequest(input)
      ? { caller: { kind: "apiKey", apiKey: input.apiKey }, key: input.key, source: { kind: "items", items: input.items } }
      : { caller: { kind: "scope", scope: input.scope }, key: input.key, source: input.source },
    meaning,
    { withLines: !tornRead, lockTimeoutMs: policy.lockTimeoutMs, unscoped },
  );
  if (!look.caller) return unauthenticated();
  const request = requestFor(input, look.caller);
  known.scope = request.scope;
  const key = { scope: unscoped ? "unscoped" : request.scope, ...meaning };
  const answered = look.record && answerOf(look.record);
  if (answered) return answered;

  // STARTED → ORDER_CREATED, one statement: the record, the order, its lines and timeline, or nothing.
  const cartAsAsked = request.source.kind !== "cart" || look.cartVersion === request.source.cartVersion;
  if (!look.record && cartAsAsked) {
    let priced: Priced;
    try {
      const lines = tornRead ? await orderLines(db, request.source) : linesOf(request, look);
      priced = { lines, ...totals(lines) };
    } catch (error) {
      if (error instanceof CheckoutRejected) return rejected(error);
      throw error;
    }
    const claimed = await claimNewOrder(request, key, priced, policy.ttlMs);
    if (claimed) return settleFromOrderCreated(claimed.lease, claimed.order);
  }

  // Anything else — the key is taken (in flight, left at ORDER_CREATED, or finished a moment ago),
  // the cart is not at the version asked for (another tab may have ordered it), or an order under
  // this key outlived its record — is decided by the transactional claim, on what has committed.
  return claimInTransaction(request, key, policy);
}

/** The answer the look's record gives by itself (the statement wrote its step), or null. */
function answerOf(record: LookedUpRecord): CheckoutResult | null {
  switch (record.outcome) {
    case "replayed":
      return replayed(storedResponse(record.responseStatus!, record));
    case "mismatch":
      return mismatch();
    case "in_flight":
      return inFlight(Math.max(1, Math.ceil((record.lockRemainingMs ?? 0) / 1000)));
    default:
      return null;
  }
}

/** A new request's lines from the look: a cart's as read with its version, the API's as asked for, both priced by the database. */
function linesOf(request: CheckoutRequest, look: Look): Line[] {
  const { source } = request;
  return source.kind === "cart" ? checkCartLines(source, look.cartVersion, look.lines) : checkItemLines(source.items, look.lines);
}

type Priced = { lines: Line[]; currency: string; totalCents: number };

async function claimNewOrder(request: CheckoutRequest, key: ClaimInput, { lines, ...total }: Priced, ttlMs: number): Promise<{ lease: Lease; order: OrderInFlight } | null> {
  const { source } = request;
  const order = {
    scope: request.scope,
    key: request.key,
    paymentMethod: request.paymentMethod,
    cartId: source.kind === "cart" ? source.cartId : null,
    cartVersion: source.kind === "cart" ? source.cartVersion : null,
    apiClientId: source.kind === "items" ? source.apiClientId : null,
    ...total,
  };
  const claimed = await claimOrder(db, key, { ...order, lines }, ttlMs, (orderId) => {
    const subject = { scope: request.scope, orderId };
    return [audit("claim", subject, { outcome: "new", key: request.key }), audit("recovery_point", subject, { point: "order_created" })];
  });
  if (!claimed) return null;
  return {
    lease: { recordId: claimed.recordId, token: claimed.token },
    order: {
      ...order,
      id: claimed.orderId,
      status: "pending",
      paymentIntentId: null,
      failureCode: null,
      declineCode: null,
      failureMessage: null,
      attempt: 1,
      attemptStartedAt: claimed.attemptStartedAt,
      createdAt: claimed.createdAt,
      items: lines.map(({ slug, name, quantity, unitPriceCents }) => ({ slug, name, quantity, unitPriceCents })),
    },
  };
}

/**
 * The claim as a transaction, for every case the single statement leaves to it: it reads what
 * committed, and replays, answers 409 or 422, takes over a record left at ORDER_CREATED, or makes
 * this key's record point at the order that already exists (another tab's, or a purged record's).
 */
async function claimInTransaction(request: CheckoutRequest, key: ClaimInput, policy: ClaimPolicy): Promise<CheckoutResult> {
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

/** An order at ORDER_CREATED as the rest of the checkout needs it: what Stripe is sent, and what the answer shows. */
type OrderInFlight = PayableAttempt & SettledOrder & OrderState & {
  paymentMethod: string;
  createdAt: Date;
  items: { slug: string; name: string; quantity: number; unitPriceCents: number }[];
};

/**
 * ORDER_CREATED → FINISHED, by the attempt that holds the record (`lease`). Also the completer's
 * entry point for records stuck here.
 */
export async function resumeFromOrderCreated(lease: Lease, orderId: string): Promise<CheckoutResult> {
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, include: { items: { orderBy: { slug: "asc" }, select: { slug: true, name: true, quantity: true, unitPriceCents: true } } } });
  return settleFromOrderCreated(lease, order);
}

async function settleFromOrderCreated(lease: Lease, order: OrderInFlight): Promise<CheckoutResult> {
  const subject = { scope: order.scope, orderId: order.id };

  // Already settled (by a webhook, or by an attempt whose record was since purged): answer from
  // the order. Calling Stripe again could outlive Stripe's 24 h key window and charge twice.
  if (order.status !== "pending") return finishRecord(lease, order, settledResponse(presentOrder(order)));

  const charged = await payOrder(order);
  if (charged.kind === "unknown") {
    await db.$transaction(async (tx) => {
      await release(tx, lease);
      await recordAudit(tx, [stripeCallStep(subject, charged), audit("lock_released", subject, { reason: "the payment's outcome is unknown" })]);
    });
    return outcomeUnknown(await loadOrder(db, order.id));
  }

  // ORDER_CREATED → FINISHED, one statement: record the payment, move the order forward, and store
  // the answer every retry will replay, built here for the state this settle leaves the order in.
  // The charge has happened: a statement PostgreSQL aborts for a deadlock is run again.
  const settlement = settlementOf(order, charged);
  const response = settledResponse(presentOrder({ ...order, ...stateAfter(order, settlement) }));
  const settled = await retryingConflicts("settle", () =>
    settleAndFinish(db, order, settlement, "checkout", [stripeCallStep(subject, charged)], {
      ...lease,
      expected: stateAfter(order, settlement),
      status: response.status,
      bodyText: response.bodyText,
      steps: [finishedStep(subject, response.status)],
    }),
  );
  // Settled otherwise meanwhile (a webhook first, with another state), or taken over: the answer
  // is the order's state as the settle found it.
  if (!settled.finished) return finishRecord(lease, order, settledResponse(presentOrder({ ...order, ...settled })));
  await pausePoint("after_finished", order.scope);
  return { ...response, replayed: false };
}

/**
 * Stores the answer for the order's current state and releases the record, if the lease is still
 * the holder's: an attempt that was taken over (slow, not dead) leaves the record to its taker,
 * which stores the same answer (the order's state).
 */
async function finishRecord(lease: Lease, order: OrderInFlight, response: ReturnType<typeof settledResponse>): Promise<CheckoutResult> {
  const subject = { scope: order.scope, orderId: order.id };
  await db.$transaction(async (tx) => {
    await complete(tx, lease, response);
    await recordAudit(tx, [finishedStep(subject, response.status)]);
  });
  await pausePoint("after_finished", order.scope);
  return { ...response, replayed: false };
}

const finishedStep = (subject: { scope: string; orderId: string }, status: number) => audit("recovery_point", subject, { point: "finished", status });

function recoveryPointOf(result: CheckoutResult): string | undefined {
  if (result.body.error?.code === "payment_status_unknown") return RecoveryPoint.orderCreated;
  return result.body.order ? RecoveryPoint.finished : undefined;
}
