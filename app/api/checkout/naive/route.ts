import { z } from "zod";
import { authenticateApiKey } from "@/lib/api-clients.ts";
import { naiveCheckout, naiveCheckoutEnabled } from "@/lib/checkout/naive.ts";
import { apiCheckoutBody, apiScope } from "@/lib/checkout/request.ts";
import { checkoutResponse, jsonError, readJson } from "@/lib/http.ts";

/** TEACHING ONLY (DEMO_UNSAFE_CHECKOUT=1): POST /api/checkout without idempotency, to compare. */
export async function POST(request: Request) {
  if (!naiveCheckoutEnabled()) return jsonError(404, "invalid_request_error", "The naive checkout is off; set DEMO_UNSAFE_CHECKOUT=1 to compare it");
  const client = await authenticateApiKey(request.headers.get("authorization"));
  if (!client) return jsonError(401, "authentication_error", "Send a valid API key as `Authorization: Bearer <key>`", "invalid_api_key");
  const json = await readJson(request);
  if (!json.ok) return json.response;
  const body = apiCheckoutBody.safeParse(json.value);
  if (!body.success) return jsonError(400, "invalid_request_error", z.prettifyError(body.error), "invalid_body");
  const result = await naiveCheckout({ scope: apiScope(client.id), paymentMethod: body.data.paymentMethod, source: { kind: "items", apiClientId: client.id, items: body.data.items } });
  return checkoutResponse(result);
}
