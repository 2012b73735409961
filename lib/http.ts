import type { CheckoutResult } from "@/lib/checkout/responses.ts";

export function jsonError(status: number, type: string, message: string, code?: string, headers?: HeadersInit): Response {
  return Response.json({ error: { type, ...(code && { code }), message } }, { status, headers });
}

/** Reads a JSON body, refusing oversize or malformed input before anything else happens. */
export async function readJson(request: Request, maxBytes = 64 * 1024): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) return { ok: false, response: jsonError(413, "invalid_request_error", `The body is larger than ${maxBytes} bytes`, "body_too_large") };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, response: jsonError(400, "invalid_request_error", "The body is not valid JSON", "malformed_json") };
  }
}

/** An HTTP answer for a checkout, with the IETF draft's replay and retry headers. */
export function checkoutResponse(result: CheckoutResult): Response {
  const headers = new Headers({ "Cache-Control": "no-store" });
  if (result.replayed) headers.set("Idempotent-Replayed", "true");
  if (result.retryAfterSeconds) headers.set("Retry-After", String(result.retryAfterSeconds));
  return Response.json(result.body, { status: result.status, headers });
}
