import { agrees } from "./answers.ts";
import type { ClientHistory } from "./client-history.ts";
import type { DatabaseState, OrderRow, OrderStatus } from "./database.ts";
import type { Ledger } from "./ledger.ts";
import { ledgerByOrder } from "./ledger.ts";

export type Subject = { orderId?: string; scope?: string; key?: string; cart?: string };
export type Violation = { invariant: number; subject: Subject; message: string };
export type InvariantResult = { id: number; name: string; checked: number; violations: Violation[] };

export type CheckInput = {
  db: DatabaseState;
  ledger: Ledger;
  client: ClientHistory;
  /** Invariant 7: what was still moving when the liveness bound ran out (nothing if it settled in time). */
  liveness: { boundMs: number; settledAfterMs: number | null; unsettled: { openOrders: number; unfinishedRecords: number; lockedRecords: number; unsentMessages: number } };
};

export const INVARIANTS = [
  "at most one order per (scope, key) and per cart version",
  "at most one successful charge per order; charged = total = its lines at their recorded prices; the lines are the cart version's",
  "every successful charge belongs to an order that ends paid or refunded, and every paid order was charged",
  "every paid order has exactly one confirmation sent; at most one refund per order, never more than was charged",
  "every order's history (its audit timeline) only moves forward",
  "every answer a client got agrees with the order's final state (the answer table)",
  "liveness: once faults stop, every checkout ends paid, failed or refunded within the bound; no record left locked or unfinished",
  "no client was ever answered with another scope's order",
] as const;

const FINAL: OrderStatus[] = ["paid", "failed", "refunded"];
/** The state machine's edges, as the timeline must show them. */
const EDGES: Record<OrderStatus, OrderStatus[]> = {
  pending: ["processing", "paid", "failed"],
  processing: ["paid", "failed"],
  paid: ["refunded"],
  failed: [],
  refunded: [],
};

const lines = (items: { slug: string; quantity: number }[]) => [...items].sort((a, b) => a.slug.localeCompare(b.slug)).map((item) => `${item.slug}×${item.quantity}`).join(", ");

export function checkInvariants(input: CheckInput): InvariantResult[] {
  return [one, two, three, four, five, six, seven, eight].map((check, index) => {
    const violations: Violation[] = [];
    const checked = check(input, (subject, message) => violations.push({ invariant: index + 1, subject, message }));
    return { id: index + 1, name: INVARIANTS[index]!, checked, violations };
  });
}

type Report = (subject: Subject, message: string) => void;

function groupBy<T>(items: Iterable<T>, key: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

/** The scope a shopper's requests run in, as the shop names it ("cart:…" or "api:…"). */
function scopeOf(client: ClientHistory, shopper: string): string | null {
  return client.scopes.get(shopper) ?? null;
}

function one({ db, client }: CheckInput, report: Report): number {
  const orders = [...db.orders.values()];
  const byKey = groupBy(orders, (order) => `${order.scope}\u0000${order.idempotencyKey}`);
  const byVersion = groupBy(orders, (order) => (order.cartId && order.cartVersion !== null ? `${order.cartId}@${order.cartVersion}` : null));
  for (const group of byKey.values()) if (group.length > 1) report({ scope: group[0]!.scope, key: group[0]!.idempotencyKey }, `${group.length} orders for one key: ${group.map((o) => o.id).join(", ")}`);
  for (const [version, group] of byVersion) if (group.length > 1) report({ cart: version, orderId: group[0]!.id }, `${group.length} orders for one cart version: ${group.map((o) => o.id).join(", ")}`);

  // The client's side: every answer to one key (or to one cart version) named the same order.
  const answered = client.answers.filter((answer) => answer.orderId && answer.request.key && (answer.request.op === "api_checkout" || answer.request.op === "place_order"));
  const clientKeys = groupBy(answered, (answer) => `${answer.request.shopper}\u0000${answer.request.key}`);
  for (const group of clientKeys.values()) {
    const ids = new Set(group.map((answer) => answer.orderId));
    if (ids.size > 1) report({ scope: scopeOf(client, group[0]!.request.shopper) ?? group[0]!.request.shopper, key: group[0]!.request.key }, `one key answered with ${ids.size} different orders: ${[...ids].join(", ")}`);
  }
  const clientVersions = groupBy(answered.filter((answer) => answer.request.cartVersion !== undefined), (answer) => `${answer.request.shopper}@${answer.request.cartVersion}`);
  for (const group of clientVersions.values()) {
    const ids = new Set(group.map((answer) => answer.orderId));
    if (ids.size > 1) report({ scope: scopeOf(client, group[0]!.request.shopper) ?? undefined, cart: `${group[0]!.request.shopper}@${group[0]!.request.cartVersion}` }, `one cart version answered with ${ids.size} different orders (two tabs?): ${[...ids].join(", ")}`);
  }
  return byKey.size + byVersion.size + clientKeys.size + clientVersions.size;
}

/** The lines a shopper was shown for each cart version (every view of one version must agree). */
function cartVersionLines(client: ClientHistory, report: Report): Map<string, string> {
  const shown = new Map<string, string>();
  for (const view of client.cartViews) {
    const key = `${view.cartId}@${view.version}`;
    const text = `${lines(view.lines)} @ ${view.lines.map((line) => `${line.slug}=${line.unitPriceCents}`).sort().join(",")}`;
    const earlier = shown.get(key);
    if (earlier === undefined) shown.set(key, text);
    else if (earlier !== text) report({ cart: key }, `cart version shown with two different contents: [${earlier}] and [${text}]`);
  }
  return new Map([...shown].map(([key, text]) => [key, text.split(" @ ")[0]!]));
}

function two({ db, ledger, client }: CheckInput, report: Report): number {
  const { charges } = ledgerByOrder(ledger);
  const shownLines = cartVersionLines(client, report);
  const requestedItems = new Map<string, string>();
  for (const request of client.requests.values()) {
    const scope = scopeOf(client, request.shopper);
    if (request.op === "api_checkout" && request.key && request.items && scope && !requestedItems.has(`${scope}\u0000${request.key}`)) requestedItems.set(`${scope}\u0000${request.key}`, lines(request.items));
  }
  for (const order of db.orders.values()) {
    const subject = { orderId: order.id, scope: order.scope, key: order.idempotencyKey };
    const succeeded = (charges.byOrder.get(order.id) ?? []).filter((charge) => charge.status === "succeeded");
    if (succeeded.length > 1) report(subject, `${succeeded.length} successful charges for one order: ${succeeded.map((c) => `${c.id} (${c.payment_intent}) ${c.amount}`).join(", ")}`);
    for (const charge of succeeded) if (charge.amount !== order.totalCents) report(subject, `charged ${charge.amount} (${charge.id}) for an order of ${order.totalCents}`);
    const sum = order.items.reduce((total, item) => total + item.unitPriceCents * item.quantity, 0);
    if (sum !== order.totalCents) report(subject, `order total ${order.totalCents} ≠ the sum of its lines ${sum}`);
    for (const item of order.items) {
      const price = db.prices.get(item.slug);
      if (price !== item.unitPriceCents) report(subject, `${item.slug} recorded at ${item.unitPriceCents}, the catalog's price is ${price}`);
    }
    const expected = order.cartId !== null ? shownLines.get(`${order.cartId}@${order.cartVersion}`) : requestedItems.get(`${order.scope}\u0000${order.idempotencyKey}`);
    if (expected !== undefined && expected !== lines(order.items)) {
      report(subject, order.cartId ? `order for cart version ${order.cartVersion} holds [${lines(order.items)}], that version was shown as [${expected}]` : `order holds [${lines(order.items)}], the request asked for [${expected}]`);
    }
  }
  return db.orders.size;
}

function three({ db, ledger }: CheckInput, report: Report): number {
  const succeeded = ledger.charges.filter((charge) => charge.status === "succeeded");
  const orderOfIntent = new Map(ledger.paymentIntents.map((pi) => [pi.id, pi.metadata.orderId ?? null]));
  const charged = new Set<string>();
  for (const charge of succeeded) {
    const orderId = orderOfIntent.get(charge.payment_intent) ?? null;
    const order = orderId ? db.orders.get(orderId) : undefined;
    if (!order) {
      report({ orderId: orderId ?? undefined }, `charge ${charge.id} (${charge.payment_intent}, ${charge.amount}) belongs to no order in the database`);
      continue;
    }
    charged.add(order.id);
    if (order.status !== "paid" && order.status !== "refunded") report({ orderId: order.id, scope: order.scope, key: order.idempotencyKey }, `charge ${charge.id} succeeded, but the order ended ${order.status}`);
  }
  for (const order of db.orders.values()) {
    if ((order.status === "paid" || order.status === "refunded") && !charged.has(order.id)) report({ orderId: order.id, scope: order.scope, key: order.idempotencyKey }, `order ended ${order.status} with no successful charge`);
  }
  return succeeded.length + db.orders.size;
}

function four({ db, ledger }: CheckInput, report: Report): number {
  const { charges, refunds } = ledgerByOrder(ledger);
  const confirmations = groupBy(db.confirmations.filter((message) => message.kind === "order_confirmation"), (message) => message.orderId);
  for (const order of db.orders.values()) {
    const subject = { orderId: order.id, scope: order.scope, key: order.idempotencyKey };
    const sent = (confirmations.get(order.id) ?? []).filter((message) => message.sent).length;
    const wasPaid = order.status === "paid" || order.status === "refunded";
    if (wasPaid && sent !== 1) report(subject, `${order.status} order has ${sent} confirmations sent (exactly one expected)`);
    if (!wasPaid && (confirmations.get(order.id)?.length ?? 0) > 0) report(subject, `${order.status} order has a confirmation`);
    const orderRefunds = refunds.byOrder.get(order.id) ?? [];
    if (orderRefunds.length > 1) report(subject, `${orderRefunds.length} refunds: ${orderRefunds.map((r) => `${r.id} ${r.amount}`).join(", ")}`);
    const refunded = orderRefunds.reduce((sum, refund) => sum + refund.amount, 0);
    const paid = (charges.byOrder.get(order.id) ?? []).filter((charge) => charge.status === "succeeded").reduce((sum, charge) => sum + charge.amount, 0);
    if (refunded > paid) report(subject, `refunded ${refunded}, more than the ${paid} charged`);
    if (order.status === "refunded" && orderRefunds.length === 0) report(subject, "order ended refunded, but no refund exists");
    if (orderRefunds.length > 0 && order.status !== "refunded") report(subject, `money refunded (${refunded}), but the order ended ${order.status}`);
  }
  return db.orders.size * 2;
}

function five({ db }: CheckInput, report: Report): number {
  for (const order of db.orders.values()) {
    let state: OrderStatus = "pending";
    const path: string[] = ["pending"];
    for (const step of db.audit.get(order.id) ?? []) {
      if (step.kind !== "order_status") continue;
      const to = step.detail.to as OrderStatus;
      path.push(to);
      if (!EDGES[state].includes(to)) report({ orderId: order.id, scope: order.scope, key: order.idempotencyKey }, `timeline moves ${state} → ${to} (step ${step.id}, by ${String(step.detail.by)}): ${path.join(" → ")}`);
      state = to;
    }
    if (state !== order.status) report({ orderId: order.id, scope: order.scope, key: order.idempotencyKey }, `timeline ends at ${state}, the order is ${order.status}: ${path.join(" → ")}`);
  }
  return db.orders.size;
}

function six({ db, client }: CheckInput, report: Report): number {
  let checked = 0;
  for (const answer of client.answers) {
    if (!answer.orderId) continue;
    const order = db.orders.get(answer.orderId);
    const subject = { orderId: answer.orderId, scope: scopeOf(client, answer.shopper) ?? answer.shopper, key: answer.request.key };
    checked++;
    if (!order) {
      report(subject, `request ${answer.id} (${answer.request.op}) was answered with order ${answer.orderId}, which does not exist`);
      continue;
    }
    if (!agrees(answer.told, order.status)) report(subject, `request ${answer.id} (${answer.request.op}, ${answer.request.copy}) was told "${answer.told}" (HTTP ${answer.status}); the order ended ${order.status}`);
  }
  return checked;
}

function seven({ db, liveness }: CheckInput, report: Report): number {
  const open = [...db.orders.values()].filter((order) => !FINAL.includes(order.status));
  const late = liveness.settledAfterMs === null || liveness.settledAfterMs > liveness.boundMs;
  if (late) {
    for (const order of open) report({ orderId: order.id, scope: order.scope, key: order.idempotencyKey }, `still ${order.status} ${Math.round(liveness.boundMs / 1000)} s after the faults stopped (the bound)`);
    for (const record of db.records) {
      if (record.recoveryPoint !== "finished" || record.locked) report({ scope: record.scope, key: record.key, orderId: record.orderId ?? undefined }, `idempotency record left ${record.recoveryPoint}${record.locked ? ", locked" : ""}`);
    }
    if (liveness.unsettled.unsentMessages > 0) report({}, `${liveness.unsettled.unsentMessages} outbox messages never sent`);
  }
  return db.orders.size + db.records.length;
}

function eight({ db, client }: CheckInput, report: Report): number {
  let checked = 0;
  for (const answer of client.answers) {
    if (!answer.orderId) continue;
    const order: OrderRow | undefined = db.orders.get(answer.orderId);
    const scope = scopeOf(client, answer.shopper);
    if (!order || !scope) continue;
    checked++;
    if (order.scope !== scope) report({ orderId: order.id, scope, key: answer.request.key }, `request ${answer.id} of ${scope} was answered with order ${order.id} of ${order.scope}`);
  }
  return checked;
}
