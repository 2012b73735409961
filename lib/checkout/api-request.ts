import { z } from "zod";
import { authenticateApiKey } from "@/lib/api-clients.ts";
import { apiCheckoutBody, bearerKey } from "@/lib/checkout/request.ts";
import { jsonError, readJson, unauthorized } from "@/lib/http.ts";
import { idempotencyKeySchema } from "@/lib/idempotency.ts";

type Read<Key> = { ok: true; apiKey: string; key: Key; body: z.infer<typeof apiCheckoutBody> } | { ok: false; response: Response };

/**
 * POST /api/checkout's request (and the naive variant's, which takes no Idempotency-Key), read at
 * the boundary. The API key itself is checked later, by the checkout's first statement (the look:
 * lib/checkout/statements/caller.ts), not in a round trip of its own. A missing or malformed
 * Authorization header is 401 with no round trip at all. A malformed request is 400, except that
 * a wrong key is 401 even then (401 before 400): only on this error path is the key looked up on
 * its own. Nothing is written either way.
 */
export async function readApiCheckout(request: Request, idempotencyKey: "required"): Promise<Read<string>>;
export async function readApiCheckout(request: Request, idempotencyKey: "none"): Promise<Read<null>>;
export async function readApiCheckout(request: Request, idempotencyKey: "required" | "none"): Promise<Read<string | null>> {
  const apiKey = bearerKey(request.headers.get("authorization"));
  if (!apiKey) return { ok: false, response: unauthorized() };
  const parsed = await parse(request, idempotencyKey);
  if (parsed.ok) return { apiKey, ...parsed };
  if (!(await authenticateApiKey(request.headers.get("authorization")))) return { ok: false, response: unauthorized() };
  return parsed;
}

type Parsed = { ok: true; key: string | null; body: z.infer<typeof apiCheckoutBody> } | { ok: false; response: Response };

async function parse(request: Request, idempotencyKey: "required" | "none"): Promise<Parsed> {
  const key = idempotencyKey === "required" ? idempotencyKeySchema.safeParse(request.headers.get("idempotency-key") ?? undefined) : ({ success: true, data: null } as const);
  if (!key.success) return { ok: false, response: jsonError(400, "invalid_request_error", `Idempotency-Key header: ${key.error.issues[0]?.message}`, "invalid_idempotency_key") };
  const json = await readJson(request);
  if (!json.ok) return json;
  const body = apiCheckoutBody.safeParse(json.value);
  if (!body.success) return { ok: false, response: jsonError(400, "invalid_request_error", z.prettifyError(body.error), "invalid_body") };
  return { ok: true, key: key.data, body: body.data };
}
