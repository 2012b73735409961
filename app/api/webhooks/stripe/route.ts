import { handleStripeWebhook } from "@/lib/webhooks.ts";

/** Stripe (or the local payments server) posts events here. */
export async function POST(request: Request) {
  const result = await handleStripeWebhook(await request.text(), request.headers.get("stripe-signature"));
  return Response.json(result.body, { status: result.status });
}
