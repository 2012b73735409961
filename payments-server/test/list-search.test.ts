import Stripe from "stripe";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useHarness, visaPayment } from "./helpers.ts";

const T0 = new Date("2026-03-01T12:00:00Z").getTime();

/** Only Date is faked (the server runs in this process): `created` and search delays move, sockets and timers don't. */
function clockAt(ms: number): void {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(ms);
}

afterEach(() => {
  vi.useRealTimers();
});

const ids = (list: { data: { id: string }[] }) => list.data.map((o) => o.id);

describe("GET /v1/payment_intents", () => {
  const h = useHarness();

  it("lists newest first in Stripe's list shape, pages with starting_after / ending_before, filters by created", async () => {
    const created: Stripe.PaymentIntent[] = [];
    for (let i = 0; i < 5; i++) {
      clockAt(T0 + i * 10_000);
      created.push(await h.stripe.paymentIntents.create(visaPayment(`l${i}`)));
    }
    const newest = created.map((pi) => pi.id).reverse();

    const first = await h.stripe.paymentIntents.list({ limit: 2 });
    expect(first).toMatchObject({ object: "list", url: "/v1/payment_intents", has_more: true });
    expect(ids(first)).toEqual(newest.slice(0, 2));
    expect(first.data[0]).toEqual({ ...created[4] });

    const second = await h.stripe.paymentIntents.list({ limit: 2, starting_after: newest[1] });
    expect(ids(second)).toEqual(newest.slice(2, 4));
    const last = await h.stripe.paymentIntents.list({ limit: 2, starting_after: newest[3] });
    expect({ ids: ids(last), has_more: last.has_more }).toEqual({ ids: newest.slice(4), has_more: false });
    const back = await h.stripe.paymentIntents.list({ limit: 2, ending_before: newest[4] });
    expect({ ids: ids(back), has_more: back.has_more }).toEqual({ ids: newest.slice(2, 4), has_more: true });
    expect(await h.stripe.paymentIntents.list({ limit: 2 }).autoPagingToArray({ limit: 100 }).then((all) => all.map((pi) => pi.id))).toEqual(newest);

    const t = (i: number) => created[i]?.created ?? 0;
    expect(ids(await h.stripe.paymentIntents.list({ created: { gt: t(1) } }))).toEqual(newest.slice(0, 3));
    expect(ids(await h.stripe.paymentIntents.list({ created: { gte: t(1), lt: t(3) } }))).toEqual([created[2]?.id, created[1]?.id]);
    expect(ids(await h.stripe.paymentIntents.list({ created: { lte: t(0) } }))).toEqual([created[0]?.id]);
    expect(ids(await h.stripe.paymentIntents.list({ created: t(2) }))).toEqual([created[2]?.id]);
    // A cursor is a place in the whole list, whatever the filter keeps.
    expect(ids(await h.stripe.paymentIntents.list({ created: { lt: t(4) }, starting_after: newest[0], limit: 1 }))).toEqual([newest[1]]);
    expect((await h.stripe.paymentIntents.list({ customer: "cus_nobody" })).data).toEqual([]);
  });

  it.each([
    [{ limit: 0 }, "limit"],
    [{ limit: 101 }, "limit"],
    [{ starting_after: "pi_a", ending_before: "pi_b" }, "ending_before"],
    [{ starting_after: "pi_unknown" }, "starting_after"],
    [{ created: { gt: "soon" } }, "created[gt]"],
    [{ created: { after: 1 } }, "created[after]"],
    [{ status: "succeeded" }, "status"],
  ])("refuses %j with a 400 on %s", async (params, param) => {
    const error = await h.stripe.paymentIntents.list(params as Stripe.PaymentIntentListParams).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, param });
  });

  it("lists events by created too", async () => {
    clockAt(T0);
    await h.stripe.paymentIntents.create(visaPayment("ev-old"));
    clockAt(T0 + 60_000);
    await h.stripe.paymentIntents.create(visaPayment("ev-new"));
    const recent = await h.stripe.events.list({ created: { gte: T0 / 1000 + 30 } });
    expect(recent.data.map((e) => (e.data.object as { metadata: Record<string, string> }).metadata.orderId)).toEqual(["ev-new", "ev-new", "ev-new"]);
  });
});

describe("GET /v1/payment_intents/search", () => {
  const h = useHarness();

  async function shop() {
    clockAt(T0);
    const a = await h.stripe.paymentIntents.create(visaPayment("o1", { amount: 1000, metadata: { orderId: "o1", cartId: "c1" } }));
    clockAt(T0 + 10_000);
    const b = await h.stripe.paymentIntents.create(visaPayment("o2", { amount: 2500, currency: "eur", metadata: { orderId: "o2", cartId: "c1" } }));
    clockAt(T0 + 20_000);
    const c = await h.stripe.paymentIntents.create({ amount: 4000, currency: "usd", metadata: { orderId: "o3" } });
    return { a, b, c };
  }
  const search = async (query: string, extra: Partial<Stripe.PaymentIntentSearchParams> = {}) => ids(await h.stripe.paymentIntents.search({ query, ...extra }));

  it("finds a PaymentIntent by its order's metadata, in the search_result shape", async () => {
    const { b } = await shop();
    const { lastResponse, ...result } = await h.stripe.paymentIntents.search({ query: "metadata['orderId']:'o2'" });
    expect(lastResponse.statusCode).toBe(200);
    expect(result).toEqual({
      object: "search_result",
      data: [{ ...b }],
      has_more: false,
      next_page: null,
      url: "/v1/payment_intents/search",
    });
    expect(await search(`metadata["orderId"]:"o2"`)).toEqual([b.id]);
    expect(await search("metadata['orderId']:'O2'")).toEqual([b.id]);
    expect(await search("metadata['orderId']:'o9'")).toEqual([]);
  });

  it("supports status, amount and created comparators, negation, null, AND and OR", async () => {
    const { a, b, c } = await shop();
    const created = (pi: Stripe.PaymentIntent) => pi.created;
    const cases: [string, Stripe.PaymentIntent[]][] = [
      ["status:'succeeded'", [b, a]],
      ["status:'requires_payment_method'", [c]],
      ["-status:'succeeded'", [c]],
      ["currency:'EUR'", [b]],
      ["amount>1000", [c, b]],
      ["amount>=1000", [c, b, a]],
      ["amount<2500", [a]],
      ["amount<=2500", [b, a]],
      ["amount=2500", [b]],
      ["amount:'4000'", [c]],
      [`created>${created(a)}`, [c, b]],
      [`created<=${created(b)}`, [b, a]],
      ["metadata['cartId']:'c1' AND status:'succeeded' AND amount>1000", [b]],
      ["metadata['cartId']:'c1' status:'succeeded'", [b, a]],
      ["metadata['orderId']:'o1' OR metadata['orderId']:'o3'", [c, a]],
      ["metadata['orderId']:'o1' or metadata['orderId']:'o3'", [c, a]],
      ["metadata['cartId']:null", [c]],
      ["-metadata['cartId']:null", [b, a]],
      ["customer:null", [c, b, a]],
      ["customer:'cus_123'", []],
    ];
    for (const [query, expected] of cases) expect({ query, ids: await search(query) }).toEqual({ query, ids: expected.map((pi) => pi.id) });
  });

  it("pages with limit, next_page and page; counts with expand total_count; the SDK auto-pages", async () => {
    const { a, b, c } = await shop();
    const first = await h.stripe.paymentIntents.search({ query: "amount>0", limit: 2, expand: ["total_count"] });
    expect(first).toMatchObject({ has_more: true, total_count: 3 });
    expect(ids(first)).toEqual([c.id, b.id]);
    expect(first.next_page).toEqual(expect.any(String));
    const second = await h.stripe.paymentIntents.search({ query: "amount>0", limit: 2, page: first.next_page as string });
    expect(second).toMatchObject({ has_more: false, next_page: null });
    expect(ids(second)).toEqual([a.id]);
    const all = await h.stripe.paymentIntents.search({ query: "amount>0", limit: 1 }).autoPagingToArray({ limit: 10 });
    expect(all.map((pi) => pi.id)).toEqual([c.id, b.id, a.id]);
  });

  it.each([
    ["status:'succeeded' AND amount>1 OR amount<5", /AND and OR cannot be combined/],
    ["(status:'succeeded' OR amount>1)", /parentheses/],
    ["status:'succeeded' AND (amount>1)", /parentheses/],
    [Array.from({ length: 11 }, (_, i) => `amount>${i}`).join(" AND "), /at most 10 clauses/],
    ["email:'a@b.c'", /'email' is not a searchable field/],
    ["status:succeeded", /must be quoted/],
    ["status>'succeeded'", /does not apply to token field/],
    ["currency~'usd'", /substring operator/],
    ["amount>'lots'", /not an integer/],
    ["amount>null", /null only works with ':'/],
    ["metadata:'x'", /quoted key/],
    ["metadata['orderId']:'o1", /unterminated string/],
    ["status:'succeeded'amount>1", /expected a space, AND or OR/],
    ["status:'succeeded' AND", /expected a field name/],
    ["   ", /the query is empty/],
  ])("refuses %j with a 400 invalid_request_error on query", async (query, message) => {
    const error = await h.stripe.paymentIntents.search({ query }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, rawType: "invalid_request_error", param: "query", message: expect.stringMatching(message) });
  });

  it("refuses a missing query, a bad limit and a forged page", async () => {
    const missing = await h.stripe.paymentIntents.search({} as Stripe.PaymentIntentSearchParams).catch((e: unknown) => e);
    expect(missing).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "query" });
    expect(await h.stripe.paymentIntents.search({ query: "amount>0", limit: 101 }).catch((e: unknown) => e)).toMatchObject({ statusCode: 400, param: "limit" });
    expect(await h.stripe.paymentIntents.search({ query: "amount>0", page: "not-a-page" }).catch((e: unknown) => e)).toMatchObject({ statusCode: 400, param: "page" });
  });
});

describe("search is eventually consistent on demand", () => {
  const h = useHarness();
  const byOrder = async (orderId: string, status?: string) => {
    const query = `metadata['orderId']:'${orderId}'${status ? ` AND status:'${status}'` : ""}`;
    return (await h.stripe.paymentIntents.search({ query })).data;
  };

  it("is immediate by default", async () => {
    const pi = await h.stripe.paymentIntents.create(visaPayment("now"));
    expect((await byOrder("now")).map((p) => p.id)).toEqual([pi.id]);
  });

  it("with a delay rule, a new PaymentIntent reaches search only after the delay; lists and retrieves see it at once", async () => {
    clockAt(T0);
    const rule = await h.control("POST", "/_test/search_delays", { match: { metadata: { orderId: "late" } }, ms: 30_000 });
    expect(rule).toMatchObject({ status: 200, body: { id: expect.stringMatching(/^srchdelay_/), ms: 30_000 } });
    const late = await h.stripe.paymentIntents.create(visaPayment("late"));
    const other = await h.stripe.paymentIntents.create(visaPayment("other"));

    expect(await byOrder("late")).toEqual([]);
    expect((await byOrder("other")).map((p) => p.id)).toEqual([other.id]);
    expect(ids(await h.stripe.paymentIntents.list())).toEqual([other.id, late.id]);
    expect((await h.stripe.paymentIntents.retrieve(late.id)).status).toBe("succeeded");

    clockAt(T0 + 29_999);
    expect(await byOrder("late")).toEqual([]);
    clockAt(T0 + 30_000);
    expect((await byOrder("late")).map((p) => p.id)).toEqual([late.id]);
  });

  it("a changed PaymentIntent is matched and returned as it was until the change reaches search", async () => {
    clockAt(T0);
    await h.control("POST", "/_test/search_delays", { match: { metadata: { orderId: "changing" } }, ms: 5_000 });
    const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd", metadata: { orderId: "changing" } });
    clockAt(T0 + 5_000);
    expect((await byOrder("changing")).map((p) => p.status)).toEqual(["requires_payment_method"]);

    await h.stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" });
    expect(await byOrder("changing", "succeeded")).toEqual([]);
    expect((await byOrder("changing", "requires_payment_method")).map((p) => [p.id, p.status])).toEqual([[pi.id, "requires_payment_method"]]);

    clockAt(T0 + 10_000);
    expect((await byOrder("changing", "succeeded")).map((p) => p.id)).toEqual([pi.id]);
    expect(await byOrder("changing", "requires_payment_method")).toEqual([]);
  });

  it("rules are listed, removed one by one or all, and forgotten by reset", async () => {
    clockAt(T0);
    const { body: everything } = await h.control("POST", "/_test/search_delays", { ms: 60_000 });
    await h.stripe.paymentIntents.create(visaPayment("hidden"));
    expect(await byOrder("hidden")).toEqual([]);
    expect((await h.control("GET", "/_test/search_delays")).body.data).toEqual([everything]);
    expect((await h.control("DELETE", `/_test/search_delays/${everything.id}`)).body).toEqual({ deleted: 1 });
    expect((await h.control("DELETE", `/_test/search_delays/${everything.id}`)).status).toBe(404);
    // Removing the rule does not hurry what was already changed under it.
    expect(await byOrder("hidden")).toEqual([]);
    const shown = await h.stripe.paymentIntents.create(visaPayment("shown"));
    expect((await byOrder("shown")).map((p) => p.id)).toEqual([shown.id]);

    await h.control("POST", "/_test/search_delays", { ms: 60_000 });
    expect((await h.control("DELETE", "/_test/search_delays")).body).toEqual({ deleted: 1 });
    expect((await h.control("POST", "/_test/search_delays", { ms: -1 })).status).toBe(400);
    await h.control("POST", "/_test/search_delays", { ms: 60_000 });
    await h.control("POST", "/_test/reset");
    expect((await h.control("GET", "/_test/search_delays")).body.data).toEqual([]);
  });
});
