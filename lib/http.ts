import { after } from "next/server";
import { invalidApiKey, type CheckoutResult } from "@/lib/checkout/responses.ts";
import { env } from "@/lib/env.ts";
import { metrics } from "@/lib/metrics.ts";

/** Which cap a body is read under: the webhook's is larger (Stripe's events), every other body's is the API's. */
export type BodyRoute = "api" | "webhook";

export function bodyLimit(route: BodyRoute): number {
  return route === "webhook" ? env().WEBHOOK_BODY_LIMIT_BYTES : env().REQUEST_BODY_LIMIT_BYTES;
}

/** 401: the API key is missing, malformed or unknown. */
export const unauthorized = (): Response => jsonError(401, invalidApiKey.type, invalidApiKey.message, invalidApiKey.code);

export function jsonError(status: number, type: string, message: string, code?: string, headers?: HeadersInit): Response {
  return Response.json({ error: { type, ...(code && { code }), message } }, { status, headers });
}

type BodyResult<T> = { ok: true; value: T } | { ok: false; response: Response };

/**
 * 413, and once it is sent, the connection dropped: Node would otherwise go on receiving the
 * rest of the body to discard it. Cancelling the body sooner would reset the connection before
 * the client could read the answer.
 */
function tooLarge(route: BodyRoute, maxBytes: number, body: ReadableStreamDefaultReader<Uint8Array>): { ok: false; response: Response } {
  metrics.bodyTooLarge.inc({ route });
  try {
    after(() => body.cancel().catch(() => {}));
  } catch {
    // Called outside a request (a test calling the handler): there is no connection to drop.
  }
  return { ok: false, response: jsonError(413, "invalid_request_error", `The body is larger than ${maxBytes} bytes`, "body_too_large", { Connection: "close" }) };
}

/**
 * The body's exact bytes, read as they arrive and never more than `maxBytes` of them: a declared
 * Content-Length over the cap is refused before reading anything, and a body that streams past
 * it (chunked, or lying about its length) is refused at the chunk that crosses the cap. The rest
 * is never read, and never held in memory.
 */
export async function readBody(request: Request, route: BodyRoute, maxBytes = bodyLimit(route)): Promise<BodyResult<Buffer>> {
  if (!request.body) return { ok: true, value: Buffer.alloc(0) };
  const reader = request.body.getReader();
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) return tooLarge(route, maxBytes, reader);
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { ok: true, value: Buffer.concat(chunks) };
    received += value.byteLength;
    if (received > maxBytes) return tooLarge(route, maxBytes, reader);
    chunks.push(value);
  }
}

/** Reads a JSON body, refusing oversize or malformed input before anything else happens. */
export async function readJson(request: Request, route: BodyRoute = "api", maxBytes?: number): Promise<BodyResult<unknown>> {
  const body = await readBody(request, route, maxBytes);
  if (!body.ok) return body;
  try {
    return { ok: true, value: JSON.parse(body.value.toString("utf8")) };
  } catch {
    return { ok: false, response: jsonError(400, "invalid_request_error", "The body is not valid JSON", "malformed_json") };
  }
}

/** An HTTP answer for a checkout, with the IETF draft's replay and retry headers. */
export function checkoutResponse(result: CheckoutResult): Response {
  const headers = new Headers({ "Cache-Control": "no-store" });
  if (result.replayed) headers.set("Idempotent-Replayed", "true");
  if (result.retryAfterSeconds) headers.set("Retry-After", String(result.retryAfterSeconds));
  // The stored answer's own bytes when there are some (a settled answer, a replay): byte for byte
  // what the first answer sent, whatever a JSON round trip would reorder.
  if (result.bodyText === undefined) return Response.json(result.body, { status: result.status, headers });
  headers.set("Content-Type", "application/json");
  return new Response(result.bodyText, { status: result.status, headers });
}
