import Stripe from "stripe";
import { handleStripeWebhook } from "@/lib/webhooks.ts";

const sdk = new Stripe("sk_test_local_development", {
  host: new URL(process.env.PAYMENTS_URL!).hostname,
  port: new URL(process.env.PAYMENTS_URL!).port,
  protocol: "http",
});

/** The payments server's own events (as it would deliver them), found by PaymentIntent. */
export async function eventsFor(paymentIntentId: string): Promise<Stripe.Event[]> {
  const { data } = await sdk.events.list({ limit: 100 });
  return data.filter((event) => (event.data.object as { id?: string }).id === paymentIntentId);
}

export async function retrieveEvent(id: string): Promise<Stripe.Event> {
  return sdk.events.retrieve(id);
}

export async function waitForPaymentIntent(id: string, status: Stripe.PaymentIntent.Status): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await sdk.paymentIntents.retrieve(id)).status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`PaymentIntent ${id} never reached ${status}`);
}

/** Delivers an event to the webhook handler exactly as the route does, signed like Stripe signs. */
export function deliver(event: Stripe.Event | string, options: { secret?: string; timestamp?: number; tamper?: boolean; signature?: string | null } = {}) {
  const payload = typeof event === "string" ? event : JSON.stringify(event);
  const header = sdk.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? process.env.STRIPE_WEBHOOK_SECRET!, timestamp: options.timestamp });
  const body = options.tamper ? payload.replace('"livemode":false', '"livemode":true') : payload;
  return handleStripeWebhook(body, options.signature === undefined ? header : options.signature);
}
