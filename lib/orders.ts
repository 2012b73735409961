import { db, type Tx } from "@/lib/db.ts";
import type { OrderStatus, Prisma } from "@/lib/generated/prisma/client.ts";
import { guaranteeOff } from "@/lib/test-hooks.ts";

/** Order state only moves forward; each target lists the states it may be reached from. */
const ALLOWED_FROM: Record<OrderStatus, OrderStatus[]> = {
  pending: [],
  processing: ["pending"],
  paid: ["pending", "processing"],
  failed: ["pending", "processing"],
  refunded: ["paid"],
};

/**
 * The states an order may move to `to` from. The settle statement (lib/checkout/statements/
 * settle-order.ts) moves an order only from one of these, by a conditional UPDATE: of two racing
 * writers (the synchronous checkout and a webhook, or two deliveries of one event) the database
 * lets exactly one move the order; the other changes nothing. With the forward_only guarantee
 * switched off (a test run), any other state will do: a late event moves the order backwards.
 */
export function allowedFrom(to: OrderStatus): OrderStatus[] {
  if (guaranteeOff("forward_only")) return (Object.keys(ALLOWED_FROM) as OrderStatus[]).filter((status) => status !== to);
  return ALLOWED_FROM[to];
}

const PAYMENT_STATUS_ORDER = ["processing", "succeeded", "failed", "refunded"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUS_ORDER)[number];

/** The Payment states a row in state `status` may be reached from: a Payment's status also only moves forward. */
export function earlierPaymentStatuses(status: PaymentStatus): PaymentStatus[] {
  return PAYMENT_STATUS_ORDER.slice(0, PAYMENT_STATUS_ORDER.indexOf(status));
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

