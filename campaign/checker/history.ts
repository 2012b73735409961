import type { ClientHistory } from "./client-history.ts";
import type { DatabaseState } from "./database.ts";
import type { Violation } from "./invariants.ts";
import { type Ledger, ledgerByOrder } from "./ledger.ts";

/**
 * Everything known about the subject of a violation, in time order where there is a time: the
 * shopper's requests and answers for that key or order, the faults armed for that shopper, the
 * kills while it ran, the payments server's events for the order, and the order's own timeline.
 */
export function historyOf(violation: Violation, input: { db: DatabaseState; ledger: Ledger; client: ClientHistory }): string[] {
  const { db, ledger, client } = input;
  const { subject } = violation;
  const order = subject.orderId ? db.orders.get(subject.orderId) : undefined;
  const key = subject.key ?? order?.idempotencyKey;
  const scope = subject.scope ?? order?.scope;
  const shoppers = new Set([...client.scopes].filter(([, s]) => s === scope).map(([shopper]) => shopper));
  const orderId = subject.orderId;

  const lines: { t: number; text: string }[] = [];
  const answersById = new Map(client.answers.map((answer) => [answer.id, answer]));
  const relevant = [...client.requests.values()].filter((request) => (key && request.key === key && shoppers.has(request.shopper)) || (orderId && request.orderId === orderId) || (orderId && answersById.get(request.id)?.orderId === orderId));
  for (const request of relevant) {
    lines.push({ t: request.t, text: `→ #${request.id} ${request.shopper} ${request.op} (${request.copy}) via ${request.via}${request.key ? ` key ${request.key}` : ""}${request.cartVersion !== undefined ? ` cart v${request.cartVersion}` : ""}${request.items ? ` items ${request.items.map((i) => `${i.slug}×${i.quantity}`).join(",")}` : ""}${request.paymentMethod ? ` ${request.paymentMethod}` : ""}${request.abandonAfterMs ? ` abandoned after ${request.abandonAfterMs} ms` : ""}` });
    const answer = answersById.get(request.id);
    if (answer) lines.push({ t: answer.t, text: `← #${answer.id} ${answer.status ?? "no answer"} told ${answer.told}${answer.orderId ? ` order ${answer.orderId}` : ""}${answer.code ? ` ${answer.code}` : ""}${answer.replayed ? " (replayed)" : ""}${answer.upstream ? ` from ${answer.upstream}` : ""}${answer.error ? ` — ${answer.error}` : ""}` });
  }
  const ns = new Set(relevant.map((request) => request.n).filter((n) => n !== undefined));
  for (const fault of client.faults) {
    if (fault.shopper && shoppers.has(fault.shopper) && (fault.n === undefined || ns.has(fault.n))) lines.push({ t: fault.t, text: `✱ fault ${fault.kind}${fault.ruleId ? ` (${fault.ruleId})` : ""} ${JSON.stringify(fault.detail ?? {})}` });
  }
  for (const view of client.cartViews) if (shoppers.has(view.shopper)) lines.push({ t: view.t, text: `  cart ${view.cartId} v${view.version} shown: ${view.lines.map((l) => `${l.slug}×${l.quantity}@${l.unitPriceCents}`).join(", ") || "(empty)"}` });
  const times = lines.map((line) => line.t);
  const [from, to] = [Math.min(...times, Infinity), Math.max(...times, -Infinity)];
  for (const kill of client.kills) if (kill.t >= from - 2_000 && kill.t <= to + 2_000) lines.push({ t: kill.t, text: `☠ ${kill.target === "mailer" ? "the mailer" : `instance ${kill.instance}`} SIGKILLed${kill.point ? ` at ${kill.point}${kill.scope ? ` (held ${kill.scope === scope ? "this scope" : "another scope"})` : ""}` : " at a random moment"}` });
  lines.sort((a, b) => a.t - b.t);

  const out = [`client (t = ms since start):`, ...lines.map((line) => `  ${String(line.t).padStart(8)}  ${line.text}`)];
  if (order) {
    out.push(`database: order ${order.id} ${order.status} total ${order.totalCents} ${order.cartId ? `cart ${order.cartId} v${order.cartVersion}` : `api ${order.apiClientId}`} lines ${order.items.map((i) => `${i.slug}×${i.quantity}@${i.unitPriceCents}`).join(", ")} paymentIntent ${order.paymentIntentId ?? "none"}`);
    for (const record of db.records.filter((r) => r.orderId === order.id)) out.push(`  record ${record.key}: ${record.recoveryPoint}${record.locked ? " (locked)" : ""} answer ${record.responseStatus ?? "none"}`);
    for (const message of db.confirmations.filter((m) => m.orderId === order.id)) out.push(`  ${message.kind} ${message.sent ? "in the mailbox" : "queued, not in the mailbox"}`);
    out.push("  timeline:", ...(db.audit.get(order.id) ?? []).map((step) => `    ${step.id} ${step.at} ${step.kind} ${JSON.stringify(step.detail)}`));
    const byOrder = ledgerByOrder(ledger);
    out.push("payments server:");
    for (const pi of byOrder.intents.byOrder.get(order.id) ?? []) out.push(`  ${pi.id} ${pi.status} ${pi.amount}${pi.created_by_idempotency_key ? ` created with key ${pi.created_by_idempotency_key}` : ""}`);
    for (const charge of byOrder.charges.byOrder.get(order.id) ?? []) out.push(`  ${charge.id} ${charge.status} ${charge.amount}${charge.refunded ? " refunded" : ""}`);
    for (const refund of byOrder.refunds.byOrder.get(order.id) ?? []) out.push(`  ${refund.id} refund ${refund.amount}${refund.created_by_idempotency_key ? ` with key ${refund.created_by_idempotency_key}` : ""}`);
    for (const event of byOrder.events.byOrder.get(order.id) ?? []) out.push(`  ${event.id} ${event.type} (${event.object.status ?? ""})${event.deliveries ? ` deliveries ${event.deliveries.succeeded}/${event.deliveries.attempted}` : ""}`);
  }
  return out;
}
