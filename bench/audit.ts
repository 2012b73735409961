import { Books, Verdict } from "./ledger.ts";
import type { Stack } from "./stack.ts";

export type Audit = { orders: number; charges: number; records: number; webhookOrders: number; violations: string[] };

/**
 * After every HTTP benchmark on a stack: the whole database against the payments server.
 * Checkout orders (naive ones included) = PaymentIntents = charges = payment rows, all paid,
 * one confirmation per paid order, one finished idempotency record per keyed checkout order.
 */
export async function auditStack(stack: Stack): Promise<Audit> {
  const books = new Books(stack.databaseUrl, stack.paymentsUrl);
  try {
    const stripe = await books.stripe();
    const checkoutOrders = `FROM "Order" o WHERE o.scope <> 'bench:webhooks'`;
    const [orders, paid, payments, paidTwice, confirmations, records, finished, keyedOrders, webhookOrders] = await Promise.all([
      books.count(`SELECT count(*) AS n ${checkoutOrders}`),
      books.count(`SELECT count(*) AS n ${checkoutOrders} AND o.status = 'paid'`),
      books.count(`SELECT count(*) AS n FROM "Payment" p JOIN "Order" o ON o.id = p."orderId" WHERE o.scope <> 'bench:webhooks'`),
      books.count(`SELECT count(*) AS n FROM (SELECT "orderId" FROM "Payment" GROUP BY "orderId" HAVING count(*) > 1) twice`),
      books.count(`SELECT count(*) AS n FROM "OutboxMessage"`),
      books.count(`SELECT count(*) AS n FROM "IdempotencyRecord"`),
      books.count(`SELECT count(*) AS n FROM "IdempotencyRecord" WHERE "recoveryPoint" = 'finished' AND "lockedAt" IS NULL`),
      books.count(`SELECT count(*) AS n ${checkoutOrders} AND o."idempotencyKey" NOT LIKE 'naive\\_%'`),
      books.count(`SELECT count(*) AS n FROM "Order" WHERE scope = 'bench:webhooks'`),
    ]);
    const allPaid = await books.count(`SELECT count(*) AS n FROM "Order" WHERE status = 'paid'`);
    const verdict = new Verdict();
    verdict.expect("PaymentIntents created vs checkout orders", stripe.paymentIntents.created, orders);
    verdict.expect("charges vs checkout orders", stripe.charges.succeeded, orders);
    verdict.expect("paid checkout orders", paid, orders);
    verdict.expect("payment rows of checkout orders", payments, orders);
    verdict.expect("orders with more than one payment row", paidTwice, 0);
    verdict.expect("confirmations vs paid orders", confirmations, allPaid);
    verdict.expect("idempotency records vs keyed orders", records, keyedOrders);
    verdict.expect("finished, unlocked idempotency records", finished, records);
    return { orders, charges: stripe.charges.succeeded, records, webhookOrders, violations: verdict.violations };
  } finally {
    await books.close();
  }
}
