import { audit, type AuditEntry, type AuditSubject } from "@/lib/audit.ts";
import type { AuditDetail } from "@/lib/audit-events.ts";
import { db, type Tx } from "@/lib/db.ts";
import type { OrderStatus, Prisma } from "@/lib/generated/prisma/client.ts";
import { enqueueConfirmation, type ConfirmableOrder } from "@/lib/outbox.ts";
import { guaranteeOff } from "@/lib/test-hooks.ts";

/** Order state only moves forward; each target lists the states it may be reached from. */
const ALLOWED_FROM: Record<OrderStatus, OrderStatus[]> = {
  pending: [],
  processing: ["pending"],
  paid: ["pending", "processing"],
  failed: ["pending", "processing"],
  refunded: ["paid"],
};

/** Whether an order in state `from` may move to `to` (any move, with the forward_only guarantee switched off for a test run). */
export function canMove(from: OrderStatus, to: OrderStatus): boolean {
  return ALLOWED_FROM[to].includes(from) || (from !== to && guaranteeOff("forward_only"));
}

/**
 * A conditional UPDATE: of two racing writers (the synchronous checkout and a webhook, or two
 * deliveries of one event) the database lets exactly one move the order; the other changes
 * nothing and learns so from the count.
 */
export async function transition(tx: Tx, orderId: string, to: OrderStatus, data: Prisma.OrderUpdateManyMutationInput = {}): Promise<boolean> {
  const { count } = await tx.order.updateMany({ where: { id: orderId, ...(!guaranteeOff("forward_only") && { status: { in: ALLOWED_FROM[to] } }) }, data: { ...data, status: to } });
  return count === 1;
}

/** Marks the order paid and, only if this call is the one that did it, queues its confirmation. */
export async function markPaid(tx: Tx, order: ConfirmableOrder, paymentIntentId: string): Promise<boolean> {
  const moved = await transition(tx, order.id, "paid", { paymentIntentId });
  if (moved) await enqueueConfirmation(tx, order);
  return moved;
}

/** What markPaid changed, as timeline steps: the order is paid and its confirmation queued. */
export function paidSteps(subject: AuditSubject, by: AuditDetail["order_status"]["by"]): AuditEntry[] {
  return [audit("order_status", subject, { to: "paid", by }), audit("outbox", subject, { state: "queued", kind: "order_confirmation" })];
}

const PAYMENT_STATUS_ORDER = ["processing", "succeeded", "failed", "refunded"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUS_ORDER)[number];

/** One Payment row per PaymentIntent (unique), whose status also only moves forward. */
export async function recordPayment(tx: Tx, payment: { orderId: string; paymentIntentId: string; status: PaymentStatus; amountCents: number; currency: string }): Promise<void> {
  const [created] = await tx.payment.createManyAndReturn({ data: [payment], skipDuplicates: true, select: { id: true } });
  if (created) return;
  const earlier = PAYMENT_STATUS_ORDER.slice(0, PAYMENT_STATUS_ORDER.indexOf(payment.status));
  await tx.payment.updateMany({ where: { paymentIntentId: payment.paymentIntentId, status: { in: [...earlier] } }, data: { status: payment.status } });
}

const orderSelect = {
  id: true,
  status: true,
  totalCents: true,
  currency: true,
  paymentMethod: true,
  paymentIntentId: true,
  failureCode: true,
  declineCode: true,
  failureMessage: true,
  createdAt: true,
  scope: true,
  items: { orderBy: { slug: "asc" }, select: { slug: true, name: true, quantity: true, unitPriceCents: true } },
} as const satisfies Prisma.OrderSelect;

type OrderRow = Prisma.OrderGetPayload<{ select: typeof orderSelect }>;

/** The public shape of an order, as the API returns it and as stored responses replay it. */
export function presentOrder(order: OrderRow) {
  return {
    id: order.id,
    status: order.status,
    totalCents: order.totalCents,
    currency: order.currency,
    paymentMethod: order.paymentMethod,
    paymentIntentId: order.paymentIntentId,
    items: order.items,
    failure: order.failureCode ? { code: order.failureCode, declineCode: order.declineCode, message: order.failureMessage } : null,
    createdAt: order.createdAt.toISOString(),
  };
}

export type OrderView = ReturnType<typeof presentOrder>;

export async function loadOrder(tx: Tx, orderId: string): Promise<OrderView> {
  return presentOrder(await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: orderSelect }));
}

/** An order, only for the scope that placed it: anyone else gets null, as if it did not exist. */
export async function findOrderForScope(orderId: string, scopes: string[]): Promise<OrderView | null> {
  const order = await db.order.findFirst({ where: { id: orderId, scope: { in: scopes } }, select: orderSelect });
  return order && presentOrder(order);
}

