import { audit, type AuditEntry } from "@/lib/audit.ts";
import type { AuditDetail } from "@/lib/audit-events.ts";
import type { Db, Tx } from "@/lib/db.ts";
import { allowedFrom, earlierPaymentStatuses, type PaymentStatus } from "@/lib/orders.ts";
import { CONFIRMATION, confirmationOf } from "@/lib/outbox.ts";
import { settleOrderStatement, type Finish, type Settled, type SettleInput } from "@/lib/checkout/statements/settle-order.ts";
import type { ChargeResult } from "@/lib/payments/payment-intents.ts";

/** The part of an order a settle can change, and the answer describes. */
export type OrderState = Finish["expected"];

export type SettledOrder = { id: string; scope: string; totalCents: number; currency: string; cartId: string | null; cartVersion: number | null };
type KnownOutcome = Exclude<ChargeResult, { kind: "unknown" }>;
type ChangedBy = AuditDetail["order_status"]["by"];
type Payment = { paymentIntentId: string; amountCents: number; currency: string };
type Failure = { failureCode: string; declineCode?: string | null; failureMessage: string };

/** Where a payment answer moves an order, whoever brings it: the checkout's own call, a webhook, a refund. */
export type Settlement =
  | { to: "paid" | "processing" | "refunded"; payment: Payment }
  | { to: "failed"; payment: Payment | null; failure: Failure };

const PAYMENT_STATUS = { paid: "succeeded", processing: "processing", failed: "failed", refunded: "refunded" } as const satisfies Record<Settlement["to"], PaymentStatus>;

/**
 * Moves an order forward with everything that goes with the move, in ONE statement
 * (lib/checkout/statements/settle-order.ts), in the caller's transaction if it has one:
 * - the order, by a forward-only transition: whoever settles second changes nothing;
 * - its cart, when the order leaves `pending`: closed (emptied, new version) once it is placed,
 *   released for another try (same items, new version, so a new key) once it failed. Tied to
 *   leaving `pending`, it happens exactly once, whether the answer or a webhook settles first;
 * - its confirmation, queued when it becomes paid; its Payment row, created or moved forward.
 * Returns the steps that changed something, for the caller's timeline.
 */
export async function settleOrder(tx: Tx, order: SettledOrder, settlement: Settlement, by: ChangedBy): Promise<AuditEntry[]> {
  const result = await settleOrderStatement(tx, settleInput(order, settlement, { always: [], moved: [], paid: [] }, null, null));
  return result.first ? changedSteps(order, settlement.to, by, result) : [];
}

/**
 * The checkout's settle: the same statement, which also writes the timeline (`before`, then what
 * changed) and finishes the checkout's record with `finish`'s answer if the order ends in the state
 * that answer describes. One round trip for the whole of ORDER_CREATED → FINISHED. (The naive
 * checkout has no record: `finish` null.)
 */
export async function settleAndFinish(db: Db, order: SettledOrder, settlement: Settlement, by: ChangedBy, before: AuditEntry[], finish: Finish | null): Promise<Settled> {
  const result = await settleOrderStatement(db, settleInput(order, settlement, { always: before, ...possibleSteps(order, settlement, by) }, finish, null));
  if (!result.first) throw new Error("settleAndFinish: no event, so the settle always applies");
  return result;
}

/**
 * A webhook event's effect: its id recorded and the order settled, in one statement (one commit),
 * with its timeline step first (`result` filled in by the statement). False for a duplicate
 * delivery, which changed nothing.
 */
export async function settleForEvent(db: Db, order: SettledOrder, settlement: Settlement, event: { id: string; type: string }): Promise<boolean> {
  const subject = { scope: order.scope, orderId: order.id };
  const step = audit("webhook", subject, { eventId: event.id, type: event.type, result: "applied" });
  const result = await settleOrderStatement(db, settleInput(order, settlement, { event: [step], always: [], ...possibleSteps(order, settlement, "webhook") }, null, event));
  return result.first;
}

/** The steps a settle may record, each written only if it happened: the move, and for a paid order its queued confirmation. */
function possibleSteps(order: SettledOrder, settlement: Pick<Settlement, "to">, by: ChangedBy): { moved: AuditEntry[]; paid: AuditEntry[] } {
  const subject = { scope: order.scope, orderId: order.id };
  return {
    moved: [audit("order_status", subject, { to: settlement.to, by })],
    paid: settlement.to === "paid" ? [audit("outbox", subject, { state: "queued", kind: CONFIRMATION })] : [],
  };
}

function settleInput(order: SettledOrder, settlement: Settlement, steps: SettleInput["steps"], finish: Finish | null, event: SettleInput["event"]): SettleInput {
  const { to, payment } = settlement;
  return {
    order,
    to,
    from: allowedFrom(to),
    changes: changesOf(settlement),
    payment: payment && { ...payment, status: PAYMENT_STATUS[to], earlierStatuses: earlierPaymentStatuses(PAYMENT_STATUS[to]) },
    confirmation: confirmationOf(order),
    steps,
    finish,
    event,
  };
}

/** What a settle sets on the order; null keeps the order's own (the statement's COALESCE). */
function changesOf(settlement: Settlement): SettleInput["changes"] {
  const failure = settlement.to === "failed" ? settlement.failure : null;
  return {
    // A refund keeps the order's PaymentIntent; every other settle names the one it is about.
    paymentIntentId: settlement.to === "refunded" ? null : (settlement.payment?.paymentIntentId ?? null),
    failureCode: failure?.failureCode ?? null,
    declineCode: failure?.declineCode ?? null,
    failureMessage: failure?.failureMessage ?? null,
  };
}

/** The order's state once `settlement` has moved it: what an answer built before the settle describes. */
export function stateAfter(order: OrderState, settlement: Settlement): OrderState {
  const changes = changesOf(settlement);
  return {
    status: settlement.to,
    paymentIntentId: changes.paymentIntentId ?? order.paymentIntentId,
    failureCode: changes.failureCode ?? order.failureCode,
    declineCode: changes.declineCode ?? order.declineCode,
    failureMessage: changes.failureMessage ?? order.failureMessage,
  };
}

/** What a settle changed, as timeline steps: the order moved, and its confirmation queued if it became paid. */
function changedSteps(order: SettledOrder, to: Settlement["to"], by: ChangedBy, result: Pick<Settled, "moved">): AuditEntry[] {
  if (!result.moved) return [];
  const { moved, paid } = possibleSteps(order, { to }, by);
  return [...moved, ...paid];
}

/** The checkout's own Stripe answer, as a settlement of its order. */
export async function applyPaymentOutcome(tx: Tx, order: SettledOrder, outcome: KnownOutcome, by: ChangedBy = "checkout"): Promise<AuditEntry[]> {
  const steps = [stripeCallStep({ scope: order.scope, orderId: order.id }, outcome)];
  return [...steps, ...(await settleOrder(tx, order, settlementOf(order, outcome), by))];
}

export function settlementOf(order: SettledOrder, outcome: KnownOutcome): Settlement {
  const payment = (paymentIntentId: string) => ({ paymentIntentId, amountCents: order.totalCents, currency: order.currency });
  switch (outcome.kind) {
    case "succeeded":
      return { to: "paid", payment: payment(outcome.paymentIntent.id) };
    case "processing":
      return { to: "processing", payment: payment(outcome.paymentIntent.id) };
    case "declined":
      return {
        to: "failed",
        payment: outcome.paymentIntentId ? payment(outcome.paymentIntentId) : null,
        failure: { failureCode: outcome.code, declineCode: outcome.declineCode, failureMessage: outcome.message },
      };
    case "rejected":
      return { to: "failed", payment: null, failure: { failureCode: outcome.code, failureMessage: outcome.message } };
  }
}

/** The call as the timeline shows it: which key the shop sent, and whether Stripe replayed. */
export function stripeCallStep(subject: { scope: string; orderId: string }, charge: ChargeResult): AuditEntry {
  const error = charge.kind === "unknown" || charge.kind === "rejected" || charge.kind === "declined" ? charge.message : undefined;
  return audit("stripe_call", subject, { operation: charge.operation ?? "payment_intents.create", idempotencyKey: charge.idempotencyKey, replayed: charge.replayed, result: charge.kind, ...(error && { error }) });
}

