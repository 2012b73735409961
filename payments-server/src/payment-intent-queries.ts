import { invalidRequest } from "./errors.ts";
import { listEndpoint, newestFirst, paginate } from "./lists.ts";
import type { PaymentIntent } from "./objects.ts";
import { defineEndpoint } from "./router.ts";
import { type FieldValue, matchesQuery, parseSearchQuery, type SearchFields, type SearchQuery } from "./search-query.ts";

/** `GET /v1/payment_intents`: never delayed, unlike search (read-after-write safe). */
export const listPaymentIntents = listEndpoint<PaymentIntent>({
  path: "/v1/payment_intents",
  kind: "payment_intent",
  all: (app) => newestFirst(app.store.paymentIntents.values()),
  equals: { customer: (pi) => pi.customer },
});

/** Stripe's query fields for PaymentIntents (docs.stripe.com/search#query-fields-for-payment-intents). */
const FIELDS: SearchFields = { amount: "numeric", created: "numeric", currency: "token", customer: "token", metadata: "token", status: "token" };

function read(pi: PaymentIntent, field: string, key?: string): FieldValue {
  if (field === "metadata") return key === undefined ? undefined : pi.metadata[key];
  const value = pi[field as keyof PaymentIntent];
  return typeof value === "string" || typeof value === "number" ? value : null;
}

/** `next_page` is opaque to clients; ours names the last PaymentIntent returned, so paging is stable as new ones arrive. */
function pageToken(id: string): string {
  return Buffer.from(JSON.stringify({ after: id })).toString("base64url");
}

function afterOf(token: string): string {
  try {
    const { after } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof after === "string") return after;
  } catch {
    // falls through to the error below
  }
  throw invalidRequest(`Invalid page: '${token}' is not a next_page value returned by a previous search.`, "page");
}

interface SearchInput {
  query: SearchQuery;
  limit: number;
  after?: string;
  totalCount: boolean;
}

/** `GET /v1/payment_intents/search`: the search_result shape; sees what the search index sees (see SearchIndex). */
export const searchPaymentIntents = defineEndpoint<SearchInput>({
  method: "GET",
  path: "/v1/payment_intents/search",
  prepare(params) {
    const text = params.string("query", { required: true });
    const limit = params.integer("limit", { min: 1, max: 100 }) ?? 10;
    const page = params.string("page");
    const expand = params.list("expand") ?? [];
    params.finish();
    return { query: parseSearchQuery(text ?? "", FIELDS), limit, after: page === undefined ? undefined : afterOf(page), totalCount: expand.includes("total_count") };
  },
  execute({ query, limit, after, totalCount }, exec) {
    const visible = exec.app.search.visible(newestFirst(exec.app.store.paymentIntents.values()));
    const keep = (pi: PaymentIntent) => matchesQuery(query, (field, key) => read(pi, field, key));
    const { data, hasMore } = paginate(visible, keep, { limit, startingAfter: after }, "payment_intent", "page");
    const last = data.at(-1);
    return {
      object: "search_result",
      data,
      has_more: hasMore,
      next_page: hasMore && last ? pageToken(last.id) : null,
      url: "/v1/payment_intents/search",
      ...(totalCount ? { total_count: visible.filter(keep).length } : {}),
    };
  },
});
