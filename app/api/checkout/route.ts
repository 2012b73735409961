import { z } from "zod";
import { authenticateApiKey } from "@/lib/api-clients.ts";
import { checkout } from "@/lib/checkout/checkout.ts";
import { apiCheckoutBody, apiScope } from "@/lib/checkout/request.ts";
import { checkoutResponse, jsonError, readJson } from "@/lib/http.ts";
import { idempotencyKeySchema } from "@/lib/idempotency.ts";

/** POST /api/checkout: the same checkout as the server action, for non-browser clients. */
export async function POST(request: Request) {
  const client = await authenticateApiKey(request.headers.get("authorization"));
  if (!client) return jsonError(401, "authentication_error", "Send a valid API key as `Authorization: Bearer <key>`", "invalid_api_key");

  const key = idempotencyKeySchema.safeParse(request.headers.get("idempotency-key") ?? undefined);
  if (!key.success) return jsonError(400, "invalid_request_error", `Idempotency-Key header: ${key.error.issues[0]?.message}`, "invalid_idempotency_key");

  const json = await readJson(request);
  if (!json.ok) return json.response;
  const body = apiCheckoutBody.safeParse(json.value);
  if (!body.success) return jsonError(400, "invalid_request_error", z.prettifyError(body.error), "invalid_body");

  const result = await checkout({
    scope: apiScope(client.id),
    key: key.data,
    paymentMethod: body.data.paymentMethod,
    source: { kind: "items", apiClientId: client.id, items: body.data.items },
  });
  return checkoutResponse(result);
}
