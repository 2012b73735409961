import { randomUUID } from "node:crypto";
import { z } from "zod";
import { naiveCheckoutEnabled } from "@/lib/checkout/naive.ts";
import { apiCheckoutBody } from "@/lib/checkout/request.ts";
import { jsonError, readJson } from "@/lib/http.ts";
import { chargeOrder } from "@/lib/payments/payment-intents.ts";

/** A fixed price per unit: looking the catalog up would be a database round trip. */
const UNIT_PRICE_CENTS = 1800;

/**
 * BENCHMARK FLOOR, gated like the naive variant (DEMO_UNSAFE_CHECKOUT=1, otherwise 404): the
 * checkout's body read and validated, then the same PaymentIntent call through the Stripe SDK
 * (a fresh derived key per request), and nothing else: no API key lookup, no order, no database
 * at all. `npm run bench` divides the real checkout's CPU and throughput by this route's, so what
 * the database work costs is told apart from what Next.js and the SDK cost anyway.
 */
export async function POST(request: Request) {
  if (!naiveCheckoutEnabled()) return jsonError(404, "invalid_request_error", "The Stripe-only route is off; set DEMO_UNSAFE_CHECKOUT=1 to compare it");
  const json = await readJson(request);
  if (!json.ok) return json.response;
  const body = apiCheckoutBody.safeParse(json.value);
  if (!body.success) return jsonError(400, "invalid_request_error", z.prettifyError(body.error), "invalid_body");
  const units = body.data.items.reduce((sum, item) => sum + item.quantity, 0);
  const outcome = await chargeOrder(
    { id: `stripe_only_${randomUUID()}`, totalCents: units * UNIT_PRICE_CENTS, currency: "usd", paymentMethod: body.data.paymentMethod, cartId: null, apiClientId: null },
    { idempotent: true },
  );
  if ("paymentIntent" in outcome) {
    return Response.json({ paymentIntent: { id: outcome.paymentIntent.id, status: outcome.paymentIntent.status, amount: outcome.paymentIntent.amount } }, { status: 201, headers: { "Cache-Control": "no-store" } });
  }
  if (outcome.kind === "declined") return jsonError(402, "card_error", outcome.message, outcome.code);
  return jsonError(502, "api_error", outcome.message, outcome.kind);
}
