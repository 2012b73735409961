import { readBody } from "@/lib/http.ts";
import { handleStripeWebhook } from "@/lib/webhooks.ts";

/** Stripe (or the local payments server) posts events here. */
export async function POST(request: Request) {
  // Anyone can post here, and the signature can only be checked once the body is in: capped first.
  const body = await readBody(request, "webhook");
  if (!body.ok) return body.response;
  // The bytes as received, decoded whole (never chunk by chunk, which could split a character):
  // the SDK verifies the signature over this same UTF-8 text when it is given a Buffer.
  const result = await handleStripeWebhook(body.value.toString("utf8"), request.headers.get("stripe-signature"));
  return Response.json(result.body, { status: result.status });
}
