import type { Order } from "@/lib/generated/prisma/client.ts";
import { chargeOrder, type ChargeResult } from "@/lib/payments/payment-intents.ts";
import { pausePoint } from "@/lib/test-hooks.ts";

/**
 * The Stripe call of a `pending` order, by whoever holds its attempt: the checkout (the record's
 * lease) or the completer (the record's, or the order's own attempt lock). No transaction is
 * open across it: a slow Stripe must never hold a lock.
 */
export async function payOrder(order: Order): Promise<ChargeResult> {
  await pausePoint("after_order_created", order.scope);
  const charged = await chargeOrder(order);
  // Test and lab hook: a crash here is the worst moment — Stripe charged, nothing recorded yet.
  await pausePoint("after_payment", order.scope);
  return charged;
}
