import { describe, expect, it } from "vitest";
import { agrees, ANSWER_TABLE } from "../checker/answers.ts";
import type { ClientHistory } from "../checker/client-history.ts";
import type { DatabaseState, OrderRow } from "../checker/database.ts";
import { checkInvariants, type CheckInput } from "../checker/invariants.ts";
import { LedgerSchema, type Ledger } from "../checker/ledger.ts";
import type { AnswerEntry, RequestEntry } from "../log-schema.ts";

/**
 * The checker judged on histories built by hand: a clean one it must pass, and for each invariant
 * a history broken in exactly the way that invariant forbids, which it must report under that
 * invariant. A checker that cannot fail proves nothing.
 */
const API_SCOPE = "api:client-a";
const CART_SCOPE = "cart:cart-1";

function cleanHistory(): CheckInput {
  const paid: OrderRow = { id: "o-paid", scope: API_SCOPE, idempotencyKey: "k1", cartId: null, cartVersion: null, apiClientId: "client-a", status: "paid", totalCents: 3600, paymentIntentId: "pi_1", items: [{ slug: "stoneware-mug", quantity: 2, unitPriceCents: 1800 }] };
  const failed: OrderRow = { id: "o-failed", scope: CART_SCOPE, idempotencyKey: "k2", cartId: "cart-1", cartVersion: 1, apiClientId: null, status: "failed", totalCents: 1200, paymentIntentId: "pi_2", items: [{ slug: "brass-scoop", quantity: 1, unitPriceCents: 1200 }] };
  const db: DatabaseState = {
    orders: new Map([[paid.id, paid], [failed.id, failed]]),
    prices: new Map([["stoneware-mug", 1800], ["brass-scoop", 1200]]),
    records: [{ scope: API_SCOPE, key: "k1", recoveryPoint: "finished", locked: false, orderId: paid.id, responseStatus: 201 }],
    confirmations: [{ orderId: paid.id, kind: "order_confirmation", sent: true }],
    audit: new Map([
      [paid.id, [{ id: "1", at: "", orderId: paid.id, kind: "order_status", detail: { to: "paid", by: "checkout" } }]],
      [failed.id, [{ id: "2", at: "", orderId: failed.id, kind: "order_status", detail: { to: "failed", by: "checkout" } }]],
    ]),
  };
  const ledger: Ledger = LedgerSchema.parse({
    paymentIntents: [
      { id: "pi_1", amount: 3600, status: "succeeded", metadata: { orderId: paid.id }, created: 1 },
      { id: "pi_2", amount: 1200, status: "requires_payment_method", metadata: { orderId: failed.id }, created: 2 },
    ],
    charges: [
      { id: "ch_1", amount: 3600, amount_refunded: 0, status: "succeeded", refunded: false, payment_intent: "pi_1", created: 1 },
      { id: "ch_2", amount: 1200, amount_refunded: 0, status: "failed", refunded: false, payment_intent: "pi_2", created: 2 },
    ],
    refunds: [],
    events: [{ id: "evt_1", type: "payment_intent.succeeded", created: 1, data: { object: { id: "pi_1", object: "payment_intent", status: "succeeded", metadata: { orderId: paid.id } } } }],
  });
  const request = (id: number, shopper: string, fields: Partial<RequestEntry>): RequestEntry => ({ type: "request", t: id, id, shopper, op: "api_checkout", copy: "first", via: "lb", ...fields });
  const requests = [
    request(1, "api-1", { key: "k1", items: [{ slug: "stoneware-mug", quantity: 2 }], paymentMethod: "pm_card_visa" }),
    request(2, "api-1", { key: "k1", copy: "click", items: [{ slug: "stoneware-mug", quantity: 2 }], paymentMethod: "pm_card_visa" }),
    request(3, "cart-1", { op: "place_order", key: "k2", cartVersion: 1, paymentMethod: "pm_card_chargeDeclined" }),
  ];
  const answer = (request: RequestEntry, fields: Partial<AnswerEntry>): AnswerEntry & { request: RequestEntry } => ({ type: "answer", t: request.t + 1, id: request.id, shopper: request.shopper, status: 201, told: "paid", ...fields, request });
  const client: ClientHistory = {
    scopes: new Map([["api-1", API_SCOPE], ["cart-1", CART_SCOPE]]),
    requests: new Map(requests.map((r) => [r.id, r])),
    answers: [answer(requests[0]!, { orderId: paid.id }), answer(requests[1]!, { status: 409, told: "in_flight" }), answer(requests[2]!, { status: 200, told: "failed", orderId: failed.id })],
    cartViews: [{ type: "cart_view", t: 0, id: 9, shopper: "cart-1", cartId: "cart-1", version: 1, lines: [{ slug: "brass-scoop", quantity: 1, unitPriceCents: 1200 }] }],
    faults: [],
    kills: [],
    phases: new Map(),
  };
  return { db, ledger, client, liveness: { boundMs: 60_000, settledAfterMs: 1_000, unsettled: { openOrders: 0, unfinishedRecords: 0, lockedRecords: 0, unsentMessages: 0 } } };
}

/** The invariants that reported something, with their messages. */
function caught(input: CheckInput): Record<number, string[]> {
  const found: Record<number, string[]> = {};
  for (const result of checkInvariants(input)) if (result.violations.length) found[result.id] = result.violations.map((v) => v.message);
  return found;
}

const order = (input: CheckInput, id: string) => input.db.orders.get(id)!;

describe("the checker", () => {
  it("passes a clean history, and counts what it checked", () => {
    const input = cleanHistory();
    expect(caught(input)).toEqual({});
    expect(checkInvariants(input).every((result) => result.checked > 0)).toBe(true);
  });

  it("1: two orders for one key, or one key answered with two orders", () => {
    const input = cleanHistory();
    input.db.orders.set("o-twin", { ...order(input, "o-paid"), id: "o-twin" });
    expect(caught(input)[1]).toEqual([expect.stringMatching(/2 orders for one key/)]);

    const other = cleanHistory();
    other.client.answers[1] = { ...other.client.answers[1]!, status: 201, told: "paid", orderId: "o-failed" };
    expect(caught(other)[1]).toEqual([expect.stringMatching(/one key answered with 2 different orders/)]);
  });

  it("2: a second successful charge, a wrong amount, or lines from another cart version", () => {
    const input = cleanHistory();
    input.ledger.charges.push({ id: "ch_3", amount: 3600, amount_refunded: 0, status: "succeeded", refunded: false, payment_intent: "pi_1", created: 3 });
    expect(caught(input)[2]).toEqual([expect.stringMatching(/2 successful charges for one order/)]);

    const torn = cleanHistory();
    order(torn, "o-failed").items = [{ slug: "stoneware-mug", quantity: 50, unitPriceCents: 1800 }];
    order(torn, "o-failed").totalCents = 90_000;
    expect(caught(torn)[2]).toEqual([expect.stringMatching(/order for cart version 1 holds \[stoneware-mug×50\], that version was shown as \[brass-scoop×1\]/)]);
  });

  it("3: a charge whose order ended unpaid, or that belongs to no order", () => {
    const input = cleanHistory();
    order(input, "o-paid").status = "failed";
    input.db.audit.set("o-paid", [{ id: "1", at: "", orderId: "o-paid", kind: "order_status", detail: { to: "failed", by: "webhook" } }]);
    input.db.confirmations = [];
    input.client.answers[0] = { ...input.client.answers[0]!, told: "failed" };
    expect(caught(input)).toEqual({ 3: [expect.stringMatching(/charge ch_1 succeeded, but the order ended failed/)] });

    const lost = cleanHistory();
    lost.ledger.paymentIntents.push({ id: "pi_9", amount: 500, status: "succeeded", metadata: { orderId: "o-nowhere" }, created: 9 });
    lost.ledger.charges.push({ id: "ch_9", amount: 500, amount_refunded: 0, status: "succeeded", refunded: false, payment_intent: "pi_9", created: 9 });
    expect(caught(lost)[3]).toEqual([expect.stringMatching(/charge ch_9 .* belongs to no order/)]);
  });

  it("4: a paid order without its confirmation, or refunded twice", () => {
    const input = cleanHistory();
    input.db.confirmations = [{ orderId: "o-paid", kind: "order_confirmation", sent: false }];
    expect(caught(input)[4]).toEqual([expect.stringMatching(/paid order has 0 confirmations sent/)]);

    const twice = cleanHistory();
    order(twice, "o-paid").status = "refunded";
    twice.db.audit.get("o-paid")!.push({ id: "3", at: "", orderId: "o-paid", kind: "order_status", detail: { to: "refunded", by: "refund" } });
    twice.ledger.refunds.push({ id: "re_1", amount: 3600, payment_intent: "pi_1", charge: "ch_1", created: 5 }, { id: "re_2", amount: 3600, payment_intent: "pi_1", charge: "ch_1", created: 6 });
    expect(caught(twice)[4]).toEqual([expect.stringMatching(/2 refunds/), expect.stringMatching(/refunded 7200, more than the 3600 charged/)]);
  });

  it("5: a timeline that moves backwards", () => {
    const input = cleanHistory();
    input.db.audit.get("o-paid")!.push({ id: "3", at: "", orderId: "o-paid", kind: "order_status", detail: { to: "processing", by: "webhook" } }, { id: "4", at: "", orderId: "o-paid", kind: "order_status", detail: { to: "paid", by: "webhook" } });
    expect(caught(input)[5]).toEqual([expect.stringMatching(/timeline moves paid → processing/)]);
  });

  it("6: an answer the final state contradicts", () => {
    const input = cleanHistory();
    input.client.answers[2] = { ...input.client.answers[2]!, told: "paid" };
    expect(caught(input)[6]).toEqual([expect.stringMatching(/was told "paid" \(HTTP 200\); the order ended failed/)]);
  });

  it("7: a checkout still open when the bound ran out", () => {
    const input = cleanHistory();
    order(input, "o-failed").status = "pending";
    input.db.audit.set("o-failed", []);
    input.client.answers[2] = { ...input.client.answers[2]!, told: "unknown" };
    input.db.records.push({ scope: CART_SCOPE, key: "k2", recoveryPoint: "order_created", locked: true, orderId: "o-failed", responseStatus: null });
    input.liveness = { boundMs: 60_000, settledAfterMs: null, unsettled: { openOrders: 1, unfinishedRecords: 1, lockedRecords: 1, unsentMessages: 0 } };
    expect(caught(input)[7]).toEqual([expect.stringMatching(/still pending 60 s after the faults stopped/), expect.stringMatching(/record left order_created, locked/)]);
  });

  it("8: a client answered with another scope's order", () => {
    const input = cleanHistory();
    input.client.scopes.set("api-2", "api:client-b");
    const request: RequestEntry = { type: "request", t: 50, id: 50, shopper: "api-2", op: "api_checkout", copy: "first", via: "lb", key: "k1", items: [{ slug: "stoneware-mug", quantity: 2 }] };
    input.client.requests.set(50, request);
    input.client.answers.push({ type: "answer", t: 51, id: 50, shopper: "api-2", status: 201, told: "paid", orderId: "o-paid", replayed: true, request });
    expect(caught(input)[8]).toEqual([expect.stringMatching(/request 50 of api:client-b was answered with order o-paid of api:client-a/)]);
  });
});

describe("the answer table (invariant 6)", () => {
  it("reads as the issue's examples", () => {
    expect([agrees("paid", "paid"), agrees("paid", "refunded"), agrees("paid", "failed")]).toEqual([true, true, false]);
    expect([agrees("failed", "failed"), agrees("failed", "paid")]).toEqual([true, false]);
    expect([agrees("processing", "paid"), agrees("processing", "failed"), agrees("processing", "pending")]).toEqual([true, true, false]);
    for (const told of ["unknown", "in_flight", "none"] as const) expect(ANSWER_TABLE[told]).toBe("any");
  });
});

describe("the ledger", () => {
  it("reads events as the payments server exports them (a whole Stripe event) and as summaries", () => {
    const subject = { id: "pi_9", object: "payment_intent", status: "succeeded", metadata: { orderId: "o-9" } };
    const ledger = LedgerSchema.parse({
      paymentIntents: [],
      charges: [],
      refunds: [],
      events: [
        { id: "evt_whole", object: "event", type: "payment_intent.succeeded", created: 1, data: { object: subject } },
        { id: "evt_summary", type: "charge.refunded", created: 2, object: { id: "ch_9", object: "charge", payment_intent: "pi_9" }, deliveries: { attempted: 1, succeeded: 1, failed: 0 } },
      ],
    });
    expect(ledger.events.map((event) => [event.id, event.object.id, event.paymentIntent])).toEqual([["evt_whole", "pi_9", "pi_9"], ["evt_summary", "ch_9", "pi_9"]]);
  });
});
