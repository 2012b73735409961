import type { ClientLog } from "../client-log.ts";
import type { Copy, Operation, RequestEntry, Told, Via } from "../log-schema.ts";

export type Reply = { status: number | null; headers: Headers | null; text: string; error?: string };

/** What a reply meant, as the answer entry records it. */
export type Meaning = { told: Told; orderId?: string; totalCents?: number; code?: string };

/** Longer than nginx's read timeout: a shopper who waits that long sees nginx's own answer. */
const PATIENCE_MS = 120_000;

/** One HTTP request, sent and answered (or not) and both written to the client log. */
export async function exchange(
  log: ClientLog,
  entry: Omit<RequestEntry, "type" | "t" | "id">,
  request: { url: string; init: RequestInit },
  meaning: (reply: Reply) => Meaning | Promise<Meaning>,
): Promise<{ reply: Reply; meaning: Meaning; id: number }> {
  const id = log.request(entry);
  const signals = [AbortSignal.timeout(PATIENCE_MS), ...(entry.abandonAfterMs !== undefined ? [AbortSignal.timeout(entry.abandonAfterMs)] : [])];
  let reply: Reply;
  try {
    const answer = await fetch(request.url, { ...request.init, redirect: "manual", signal: AbortSignal.any(signals) });
    reply = { status: answer.status, headers: answer.headers, text: await answer.text() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    reply = { status: null, headers: null, text: "", error: entry.abandonAfterMs !== undefined && (error as Error).name === "TimeoutError" ? "abandoned by the client" : `${(error as Error).name}: ${(error as Error).message}${cause ? ` (${cause})` : ""}` };
  }
  const meant = reply.status === null ? { told: "none" as const } : await safeMeaning(meaning, reply);
  log.answer({
    id,
    shopper: entry.shopper,
    status: reply.status,
    ...meant,
    ...(reply.headers?.get("idempotent-replayed") === "true" && { replayed: true }),
    ...(reply.headers?.get("x-cluster-upstream") && { upstream: reply.headers.get("x-cluster-upstream")! }),
    ...(reply.error && { error: reply.error }),
  });
  return { reply, meaning: meant, id };
}

async function safeMeaning(meaning: (reply: Reply) => Meaning | Promise<Meaning>, reply: Reply): Promise<Meaning> {
  try {
    return await meaning(reply);
  } catch (error) {
    return { told: "error", code: `unreadable answer: ${(error as Error).message}`.slice(0, 200) };
  }
}

/** The shop's JSON answers (checkout, order, refund) in the client's words. */
export function jsonMeaning(reply: Reply): Meaning {
  const status = reply.status!;
  if (status >= 500 && !reply.text.startsWith("{")) return { told: "error", code: `http_${status}` };
  const body = JSON.parse(reply.text) as { order?: { id: string; status: string; totalCents: number }; error?: { code?: string; type?: string } };
  const order = body.order ? { orderId: body.order.id, totalCents: body.order.totalCents } : {};
  const code = body.error?.code ?? body.error?.type;
  const told: Told =
    status === 503 && code === "payment_status_unknown" ? "unknown"
    : status === 409 && code === "idempotency_key_in_use" ? "in_flight"
    : status === 422 ? "mismatch"
    : status === 402 ? "failed"
    : body.order && (status === 200 || status === 201 || status === 409) ? (body.order.status as Told)
    : status >= 500 ? "error"
    : "rejected";
  return { told, ...order, ...(code && { code }) };
}

export type { Copy, Operation, Via };
