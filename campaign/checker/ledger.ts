import { z } from "zod";

/** The payments server's ledger (GET /_test/ledger), only the fields the checker reads. */
const Metadata = z.record(z.string(), z.string());
const EventObject = z.object({ id: z.string(), object: z.string().optional(), status: z.string().nullable().optional(), payment_intent: z.string().nullable().optional(), metadata: Metadata.optional() });
/** An event, whole (data.object) or summarised (object, paymentIntent, deliveries): both are read. */
const Event = z
  .object({
    id: z.string(),
    type: z.string(),
    created: z.number(),
    data: z.object({ object: EventObject }).optional(),
    // A whole Stripe event says `object: "event"` (what GET /_test/ledger returns); a summary puts its subject there.
    object: z.union([z.literal("event"), EventObject]).optional(),
    paymentIntent: z.string().nullable().optional(),
    deliveries: z.object({ attempted: z.number(), succeeded: z.number(), failed: z.number() }).optional(),
  })
  .transform(({ data, object, paymentIntent, ...event }) => {
    const subject = (typeof object === "object" ? object : undefined) ?? data?.object ?? { id: "?" };
    return { ...event, object: subject, paymentIntent: paymentIntent ?? (subject.object === "payment_intent" ? subject.id : (subject.payment_intent ?? null)) };
  });
export const LedgerSchema = z.object({
  paymentIntents: z.array(z.object({ id: z.string(), amount: z.number(), status: z.string(), metadata: Metadata, created: z.number(), created_by_idempotency_key: z.string().nullable().optional() })),
  charges: z.array(z.object({ id: z.string(), amount: z.number(), amount_refunded: z.number(), status: z.string(), refunded: z.boolean(), payment_intent: z.string(), created: z.number() })),
  refunds: z.array(z.object({ id: z.string(), amount: z.number(), payment_intent: z.string(), charge: z.string(), created: z.number(), created_by_idempotency_key: z.string().nullable().optional() })),
  events: z.array(Event),
});
export type Ledger = z.infer<typeof LedgerSchema>;

export async function fetchLedger(paymentsUrl: string): Promise<Ledger> {
  const answer = await fetch(`${paymentsUrl}/_test/ledger`);
  if (!answer.ok) throw new Error(`GET /_test/ledger answered ${answer.status}`);
  return LedgerSchema.parse(await answer.json());
}

/** The ledger organised by the order each PaymentIntent names in its metadata. */
export function ledgerByOrder(ledger: Ledger) {
  const orderOfIntent = new Map(ledger.paymentIntents.map((pi) => [pi.id, pi.metadata.orderId ?? null]));
  const group = <T>(items: T[], intentOf: (item: T) => string) => {
    const byOrder = new Map<string, T[]>();
    const orphans: T[] = [];
    for (const item of items) {
      const orderId = orderOfIntent.get(intentOf(item)) ?? null;
      if (!orderId) orphans.push(item);
      else byOrder.set(orderId, [...(byOrder.get(orderId) ?? []), item]);
    }
    return { byOrder, orphans };
  };
  return {
    intents: group(ledger.paymentIntents, (pi) => pi.id),
    charges: group(ledger.charges, (charge) => charge.payment_intent),
    refunds: group(ledger.refunds, (refund) => refund.payment_intent),
    events: group(ledger.events.filter((event) => event.paymentIntent), (event) => event.paymentIntent!),
  };
}
