import { z } from "zod";
import { authenticateApiKey } from "@/lib/api-clients.ts";
import { naiveCheckout, naiveCheckoutEnabled } from "@/lib/checkout/naive.ts";
import { apiCheckoutBody, bearerKey } from "@/lib/checkout/request.ts";
import { checkoutResponse, jsonError, readJson } from "@/lib/http.ts";

const unauthenticated = () => jsonError(401, "authentication_error", "Send a valid API key as `Authorization: Bearer <key>`", "invalid_api_key");

/**
 * TEACHING ONLY (DEMO_UNSAFE_CHECKOUT=1): POST /api/checkout without idempotency, to compare. The
 * API key is checked in its one statement (the `caller` CTE), as on the guarded route.
 */
export async function POST(request: Request) {
  if (!naiveCheckoutEnabled()) return jsonError(404, "invalid_request_error", "The naive checkout is off; set DEMO_UNSAFE_CHECKOUT=1 to compare it");
  const apiKey = bearerKey(request.headers.get("authorization"));
  if (!apiKey) return unauthenticated();
  const json = await readJson(request);
  const body = json.ok ? apiCheckoutBody.safeParse(json.value) : null;
  if (!json.ok || !body?.success) {
    // 401 before 400, as on the guarded route: the key is looked up on its own on this error path only.
    if (!(await authenticateApiKey(request.headers.get("authorization")))) return unauthenticated();
    if (!json.ok) return json.response;
    return jsonError(400, "invalid_request_error", z.prettifyError(body!.error!), "invalid_body");
  }
  const result = await naiveCheckout({ caller: { kind: "apiKey", apiKey }, paymentMethod: body.data.paymentMethod, source: { kind: "items", items: body.data.items } });
  if (result.status === 401) return unauthenticated();
  return checkoutResponse(result);
}
