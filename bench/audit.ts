import { Books, Verdict } from "./ledger.ts";
import type { Stack } from "./stack.ts";

export type Audit = { orders: number; charges: number; records: number; webhookOrders: number; stripeOnlyCharges: number; violations: string[] };

/** The prefix of the order ids app/api/checkout/stripe-only invents: PaymentIntents that have no order, on purpose. */
const STRIPE_ONLY = "stripe_only_";

/**
 * After every HTTP benchmark on a stack: the whole database against the payments server.
 * Checkout orders (naive ones included) = PaymentIntents = charges = payment rows, all paid,
 * one confirmation per paid order, one finished idempotency record per keyed checkout order.
 * The Stripe-only floor's PaymentIntents (no order behind them) are counted apart, from the
 * payments server's ledger: one PaymentIntent and one charge each.
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
    const stripeOnly = await stripeOnlyLedger(stack.paymentsUrl);
    const verdict = new Verdict();
    verdict.expect("PaymentIntents created vs checkout orders and Stripe-only calls", stripe.paymentIntents.created, orders + stripeOnly.paymentIntents);
    verdict.expect("charges vs checkout orders and Stripe-only calls", stripe.charges.succeeded, orders + stripeOnly.paymentIntents);
    verdict.expect("charges of Stripe-only calls", stripeOnly.charges, stripeOnly.paymentIntents);
    verdict.expect("paid checkout orders", paid, orders);
    verdict.expect("payment rows of checkout orders", payments, orders);
    verdict.expect("orders with more than one payment row", paidTwice, 0);
    verdict.expect("confirmations vs paid orders", confirmations, allPaid);
    verdict.expect("idempotency records vs keyed orders", records, keyedOrders);
    verdict.expect("finished, unlocked idempotency records", finished, records);
    return { orders, charges: stripe.charges.succeeded, records, webhookOrders, stripeOnlyCharges: stripeOnly.charges, violations: verdict.violations };
  } finally {
    await books.close();
  }
}

type LedgerObject = { id: string; status?: string; metadata?: Record<string, string>; payment_intent?: string | null };

async function stripeOnlyLedger(paymentsUrl: string): Promise<{ paymentIntents: number; charges: number }> {
  const response = await fetch(`${paymentsUrl}/_test/ledger`);
  if (!response.ok) throw new Error(`payments server /_test/ledger: ${response.status}`);
  const ledger = (await response.json()) as { paymentIntents: LedgerObject[]; charges: LedgerObject[] };
  const intents = new Set(ledger.paymentIntents.filter((pi) => pi.metadata?.orderId?.startsWith(STRIPE_ONLY)).map((pi) => pi.id));
  const charges = ledger.charges.filter((charge) => charge.status === "succeeded" && charge.payment_intent && intents.has(charge.payment_intent)).length;
  return { paymentIntents: intents.size, charges };
}
