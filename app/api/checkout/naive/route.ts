import { readApiCheckout } from "@/lib/checkout/api-request.ts";
import { naiveCheckout, naiveCheckoutEnabled } from "@/lib/checkout/naive.ts";
import { checkoutResponse, jsonError } from "@/lib/http.ts";

/**
 * TEACHING ONLY (DEMO_UNSAFE_CHECKOUT=1): POST /api/checkout without idempotency, to compare. The
 * API key is checked in its one statement (the `caller` CTE), as on the guarded route.
 */
export async function POST(request: Request) {
  if (!naiveCheckoutEnabled()) return jsonError(404, "invalid_request_error", "The naive checkout is off; set DEMO_UNSAFE_CHECKOUT=1 to compare it");
  const read = await readApiCheckout(request, "none");
  if (!read.ok) return read.response;
  const { apiKey, body } = read;
  return checkoutResponse(await naiveCheckout({ caller: { kind: "apiKey", apiKey }, paymentMethod: body.paymentMethod, source: { kind: "items", items: body.items } }));
}
