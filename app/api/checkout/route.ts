import { z } from "zod";
import { authenticateApiKey } from "@/lib/api-clients.ts";
import { checkout } from "@/lib/checkout/checkout.ts";
import { apiCheckoutBody, bearerKey } from "@/lib/checkout/request.ts";
import { checkoutResponse, jsonError, readJson } from "@/lib/http.ts";
import { idempotencyKeySchema } from "@/lib/idempotency.ts";

const unauthenticated = () => jsonError(401, "authentication_error", "Send a valid API key as `Authorization: Bearer <key>`", "invalid_api_key");

/**
 * POST /api/checkout: the same checkout as the server action, for non-browser clients.
 *
 * The API key is checked by the checkout's first statement (the look: lib/checkout/statements/
 * caller.ts), not in a round trip of its own: a replay is that one statement. A missing or
 * malformed Authorization header is 401 with no round trip at all.
 */
export async function POST(request: Request) {
  const apiKey = bearerKey(request.headers.get("authorization"));
  if (!apiKey) return unauthenticated();

  const parsed = await parse(request);
  if (!parsed.ok) {
    // A wrong key is 401 even when the request is malformed too (401 before 400): only on this
    // error path is the key looked up on its own. Nothing is written either way.
    if (!(await authenticateApiKey(request.headers.get("authorization")))) return unauthenticated();
    return parsed.response;
  }

  const result = await checkout({ apiKey, key: parsed.key, paymentMethod: parsed.body.paymentMethod, items: parsed.body.items });
  if (result.status === 401) return unauthenticated();
  return checkoutResponse(result);
}

type Parsed = { ok: true; key: string; body: z.infer<typeof apiCheckoutBody> } | { ok: false; response: Response };

async function parse(request: Request): Promise<Parsed> {
  const key = idempotencyKeySchema.safeParse(request.headers.get("idempotency-key") ?? undefined);
  if (!key.success) return { ok: false, response: jsonError(400, "invalid_request_error", `Idempotency-Key header: ${key.error.issues[0]?.message}`, "invalid_idempotency_key") };
  const json = await readJson(request);
  if (!json.ok) return json;
  const body = apiCheckoutBody.safeParse(json.value);
  if (!body.success) return { ok: false, response: jsonError(400, "invalid_request_error", z.prettifyError(body.error), "invalid_body") };
  return { ok: true, key: key.data, body: body.data };
}
