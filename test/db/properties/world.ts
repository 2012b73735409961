import { createCart, findCartByToken, setCartQuantity, type CartView } from "@/lib/cart.ts";
import { checkout } from "@/lib/checkout/checkout.ts";
import { cartScope } from "@/lib/checkout/request.ts";
import type { CheckoutResult } from "@/lib/checkout/responses.ts";
import { completeStuckCheckouts } from "@/lib/completer.ts";
import { db } from "@/lib/db.ts";
import { randomToken } from "@/lib/hash.ts";
import { purgeExpired } from "@/lib/idempotency.ts";
import { deliverPendingMessages } from "@/lib/outbox.ts";
import type { PaymentMethodId } from "@/lib/payments/payment-methods.ts";
import { stripe } from "@/lib/payments/stripe.ts";
import { refundOrder, type RefundResult } from "@/lib/refunds.ts";
import type { ClientHistory } from "../../../campaign/checker/client-history.ts";
import { readDatabase, type DatabaseState } from "../../../campaign/checker/database.ts";
import { checkInvariants, type InvariantResult } from "../../../campaign/checker/invariants.ts";
import { fetchLedger, type Ledger } from "../../../campaign/checker/ledger.ts";
import type { Operation, RequestEntry, Told } from "../../../campaign/log-schema.ts";
import { callCheckoutApi, createApiClient, fromCart } from "../../setup/fixtures.ts";
import { deliver, retrieveEvent } from "../../setup/webhooks.ts";
import { ActorCrashed, type Run } from "./gates.ts";

/**
 * The real system of one property run, and what its shoppers saw: two API clients that share key
 * names (so a key reused across scopes is tried), two cart sessions, the payments server's
 * events, the completer, the purge, refunds. Every request and answer goes into a client log of
 * the campaign's shape, and the end of a run is judged by the campaign's own checker
 * (campaign/checker/invariants.ts) on this run's rows of the database and the payments server's
 * ledger — the same eight invariants, nothing re-implemented here.
 */
export const ITEM_SETS = [
  [{ slug: "stoneware-mug", quantity: 1 }],
  [{ slug: "stoneware-mug", quantity: 2 }, { slug: "brass-scoop", quantity: 1 }],
  [{ slug: "linen-apron", quantity: 1 }],
] as const;
export const PAYMENT_METHODS = ["pm_card_visa", "pm_card_visa", "pm_card_chargeDeclined", "pm_test_delayed_success", "pm_test_delayed_failure"] as const satisfies PaymentMethodId[];
export const CART_PRODUCTS = ["stoneware-mug", "brass-scoop", "gooseneck-kettle"] as const;
export const FAULTS = {
  /** Stripe charged, then the connection dropped: the shop does not know (503), a retry must find the charge. */
  lost_answer: { kind: "drop_after_commit" },
  /** Stripe unreachable before executing: nothing charged, unknown to the shop. */
  unavailable: { kind: "unavailable_before" },
  /** A 500 inside Stripe, saved under the key and replayed for it (issue 13 item 4). */
  saved_500: { kind: "error_while_executing" },
} as const;
export type FaultName = keyof typeof FAULTS;

type Shopper = { name: string; scope: string; kind: "api" | "cart"; apiKey: string; apiClientId: string; cartId: string; token: string; seen: number };

const SHOPPERS = { api: 2, cart: 2 } as const;
export const SHOPPER_COUNT = SHOPPERS;

const paymentsUrl = () => process.env.PAYMENTS_URL!;

async function paymentsCall(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${paymentsUrl()}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

function toldOfCheckout(result: { status: number; body: { order?: { status: string }; error?: { code?: string } } }): Told {
  const { status, body } = result;
  if (status === 201 || status === 200) return (body.order?.status as Told | undefined) ?? "error";
  if (status === 402) return "failed";
  if (status === 503) return "unknown";
  if (status === 409 && body.error?.code === "idempotency_key_in_use") return "in_flight";
  if (status === 422) return "mismatch";
  if (status >= 400 && status < 500) return "rejected";
  return "error";
}

export class World {
  private readonly t0 = Date.now();
  private nextRequest = 1;
  readonly shoppers: Shopper[] = [];
  readonly log: ClientHistory = { scopes: new Map(), requests: new Map(), answers: [], cartViews: [], faults: [], kills: [], phases: new Map() };
  /** Orders some answer named, in the order first seen: what a shopper can ask to refund. */
  readonly orders: { id: string; shopper: Shopper }[] = [];
  /** Unexpected errors of the app (not a crash the run asked for): each is a failure of the run. */
  readonly errors: string[] = [];
  /** Events delivered during the run (the backlog is the rest). */
  private readonly delivered = new Set<string>();
  /** Checkout requests sent so far, each as it can be sent again (a retry, a reload: same key, same body). */
  readonly sent: { label: string; again: (copies: number) => Promise<void> }[] = [];
  /** Each command as it ran, with what it picked at run time: printed with a counterexample. */
  readonly trace: string[] = [];

  private constructor(readonly run: Run) {}

  static async create(run: Run): Promise<World> {
    // Each run starts from an empty shop (the catalog stays) and an empty payments account: what an
    // earlier run left unfinished (a stranded order, a failed run's records) is not this run's
    // completer's to find.
    await db.$executeRawUnsafe(`TRUNCATE "AuditEvent", "WebhookEvent", "ProcessedMessage", "MailboxEntry", "OutboxMessage", "Payment", "OrderItem", "Order", "IdempotencyRecord", "CartItem", "Cart", "ApiClient" CASCADE`);
    await paymentsCall("POST", "/_test/reset");
    const world = new World(run);
    for (let i = 0; i < SHOPPERS.api; i++) {
      const { apiKey, scope } = await createApiClient(`property api ${i}`);
      world.add({ name: `api${i}`, scope, kind: "api", apiKey, apiClientId: scope.slice("api:".length), cartId: "", token: "", seen: 0 });
    }
    for (let i = 0; i < SHOPPERS.cart; i++) {
      const token = randomToken();
      const cartId = await createCart(token);
      const shopper = world.add({ name: `cart${i}`, scope: cartScope(cartId), kind: "cart", apiKey: "", apiClientId: "", cartId, token, seen: 0 });
      await setCartQuantity(cartId, { slug: "stoneware-mug", quantity: 2 });
      if (i === 0) await setCartQuantity(cartId, { slug: "brass-scoop", quantity: 1 });
      await world.viewCart(shopper);
    }
    return world;
  }

  private add(shopper: Shopper): Shopper {
    this.shoppers.push(shopper);
    this.log.scopes.set(shopper.name, shopper.scope);
    return shopper;
  }

  private now(): number {
    return Date.now() - this.t0;
  }

  api(index: number): Shopper {
    return this.shoppers.filter((s) => s.kind === "api")[index % SHOPPERS.api]!;
  }

  cart(index: number): Shopper {
    return this.shoppers.filter((s) => s.kind === "cart")[index % SHOPPERS.cart]!;
  }

  private request(shopper: Shopper, op: Operation, fields: Partial<RequestEntry>): RequestEntry {
    const entry: RequestEntry = { type: "request", t: this.now(), id: this.nextRequest++, shopper: shopper.name, op, copy: "first", via: "instance", ...fields };
    this.log.requests.set(entry.id, entry);
    return entry;
  }

  private answer(request: RequestEntry, outcome: { value: { status: number; body: { order?: { id: string; status: string }; error?: { code?: string } } } } | { error: unknown }): void {
    const shopper = this.shoppers.find((s) => s.name === request.shopper)!;
    if ("error" in outcome) {
      const crashed = outcome.error instanceof ActorCrashed;
      if (!crashed) this.errors.push(`#${request.id} ${request.op} ${request.key ?? request.orderId ?? ""}: ${String((outcome.error as Error)?.stack ?? outcome.error)}`);
      this.log.answers.push({ type: "answer", t: this.now(), id: request.id, shopper: request.shopper, status: null, told: crashed ? "none" : "error", error: String(outcome.error), request });
      return;
    }
    const { status, body } = outcome.value;
    const orderId = body.order?.id;
    if (orderId && !this.orders.some((o) => o.id === orderId)) this.orders.push({ id: orderId, shopper });
    const told = request.op === "refund" && status === 200 ? ((body.order?.status as Told | undefined) ?? "error") : toldOfCheckout(outcome.value);
    this.log.answers.push({ type: "answer", t: this.now(), id: request.id, shopper: request.shopper, status, told, orderId, code: body.error?.code, request });
  }

  private record(view: CartView, shopper: Shopper, requestId: number): void {
    shopper.seen = view.version;
    this.log.cartViews.push({ type: "cart_view", t: this.now(), id: requestId, shopper: shopper.name, cartId: view.id, version: view.version, lines: view.items.map((item) => ({ slug: item.slug, quantity: item.quantity, unitPriceCents: item.priceCents })) });
  }

  /** The shopper reloads the cart page: from now on they pay for what they see. */
  async viewCart(shopper: Shopper): Promise<void> {
    const request = this.request(shopper, "cart", { copy: "browse" });
    const view = await findCartByToken(shopper.token);
    if (view) this.record(view, shopper, request.id);
  }

  /** A cart edit (it may race a checkout of the version before it). */
  async editCart(shopper: Shopper, slug: string, quantity: number): Promise<void> {
    const request = this.request(shopper, "set_quantity", { copy: "edit_race" });
    try {
      this.record(await setCartQuantity(shopper.cartId, { slug, quantity }), shopper, request.id);
    } catch (error) {
      this.errors.push(`cart edit: ${String(error)}`);
    }
  }

  /** `copies` identical requests at once (a double-click, a retry storm), each its own actor. */
  async apiCheckout(shopper: Shopper, key: string, items: (typeof ITEM_SETS)[number], paymentMethod: PaymentMethodId, copies: number, retry = false): Promise<void> {
    if (!retry) this.sent.push({ label: `api ${shopper.name} ${key}`, again: (n) => this.apiCheckout(shopper, key, items, paymentMethod, n, true) });
    await Promise.all(
      Array.from({ length: copies }, (_, copy) => {
        const request = this.request(shopper, "api_checkout", { copy: retry ? "retry" : copy ? "click" : "first", key, items: [...items], paymentMethod });
        return this.run.spawn(`#${request.id} api ${shopper.name} ${key}`, () => callCheckoutApi({ key, apiKey: shopper.apiKey, body: { items, paymentMethod } }), (outcome) => this.answer(request, outcome));
      }),
    );
  }

  /** The checkout page's submit for the version the shopper last saw; `tabs` tabs, each with its own key. */
  async cartCheckout(shopper: Shopper, tab: number, paymentMethod: PaymentMethodId, copies: number, retryOf?: { version: number; key: string }): Promise<void> {
    const version = retryOf?.version ?? shopper.seen;
    await Promise.all(
      Array.from({ length: copies }, (_, copy) => {
        const key = retryOf?.key ?? `v${version}-tab${(tab + copy) % 3}`;
        if (!retryOf) this.sent.push({ label: `cart ${shopper.name} ${key}`, again: (n) => this.cartCheckout(shopper, tab, paymentMethod, n, { version, key }) });
        const request = this.request(shopper, "place_order", { copy: retryOf ? "reload" : copy ? "second_tab" : "first", key, cartVersion: version, paymentMethod });
        return this.run.spawn(`#${request.id} cart ${shopper.name} ${key}`, (): Promise<CheckoutResult> => checkout(fromCart({ id: shopper.cartId, version }, key, paymentMethod)), (outcome) => this.answer(request, outcome));
      }),
    );
  }

  /** The shopper sends an earlier checkout again, unchanged: a retry after 503 or no answer, a reload. */
  async retry(pick: number, copies: number): Promise<string | null> {
    if (this.sent.length === 0) return null;
    const sent = this.sent[pick % this.sent.length]!;
    await sent.again(copies);
    return sent.label;
  }

  async refund(pick: number, copies: number): Promise<void> {
    if (this.orders.length === 0) return;
    const { id, shopper } = this.orders[pick % this.orders.length]!;
    await Promise.all(
      Array.from({ length: copies }, (_, copy) => {
        const request = this.request(shopper, "refund", { copy: copy ? "refund_click" : "first", orderId: id });
        return this.run.spawn(`#${request.id} refund ${id}`, (): Promise<RefundResult> => refundOrder(id, [shopper.scope]), (outcome) => this.answer(request, outcome));
      }),
    );
  }

  private async events(): Promise<{ id: string; type: string }[]> {
    return (await fetchLedger(paymentsUrl())).events.map((event) => ({ id: event.id, type: event.type }));
  }

  /** Delivers one of the payments server's events (any, in any order, again and again), `copies` at once. */
  async deliverEvent(pick: number, copies: number): Promise<string | null> {
    const events = await this.events();
    if (events.length === 0) return null;
    const event = events[pick % events.length]!;
    this.delivered.add(event.id);
    const full = await retrieveEvent(event.id);
    await Promise.all(Array.from({ length: copies }, () => this.run.spawn(`webhook ${event.type} ${event.id}`, () => deliver(full), (outcome) => this.webhookAnswer(event.id, outcome))));
    return `${event.type} ${event.id}`;
  }

  /** Every event not delivered yet arrives at once (a webhook backlog): the scheduler decides their order. */
  async deliverBacklog(): Promise<string | null> {
    const events = (await this.events()).filter((event) => !this.delivered.has(event.id));
    if (events.length === 0) return null;
    for (const event of events) {
      this.delivered.add(event.id);
      const full = await retrieveEvent(event.id);
      await this.run.spawn(`webhook ${event.type} ${event.id}`, () => deliver(full), (outcome) => this.webhookAnswer(event.id, outcome));
    }
    return events.map((event) => event.type.replace("payment_intent.", "")).join(", ");
  }

  /** A failure event whose snapshot contradicts the PaymentIntent (late, out of order): the shop must check before believing it. */
  async staleFailure(pick: number): Promise<string | null> {
    const { paymentIntents } = await fetchLedger(paymentsUrl());
    if (paymentIntents.length === 0) return null;
    const intent = paymentIntents[pick % paymentIntents.length]!;
    const { id } = (await paymentsCall("POST", "/_test/events", { type: "payment_intent.payment_failed", paymentIntent: intent.id, deliver: false })) as { id: string };
    const full = await retrieveEvent(id);
    await this.run.spawn(`webhook stale payment_failed ${id}`, () => deliver(full), (outcome) => this.webhookAnswer(id, outcome));
    return `stale payment_failed for ${intent.id} (${intent.status})`;
  }

  private webhookAnswer(eventId: string, outcome: { value: { status: number; body: { deferred?: boolean } } } | { error: unknown }): void {
    if ("error" in outcome) {
      // A handler that could not ask Stripe (an injected fault: 503, dropped connection) answers 500,
      // and Stripe delivers again: the settle phase does. Any other error fails the run.
      const stripeError = String((outcome.error as { type?: unknown })?.type ?? "").startsWith("Stripe");
      if (!(outcome.error instanceof ActorCrashed) && !stripeError) this.errors.push(`webhook ${eventId}: ${String((outcome.error as Error)?.stack ?? outcome.error)}`);
    } else if (outcome.value.status !== 200 && !(outcome.value.status === 503 && outcome.value.body.deferred)) {
      // A deferred event (it could not be checked or applied yet) is Stripe's to deliver again; settle() does.
      this.errors.push(`webhook ${eventId} answered ${outcome.value.status}`);
    }
  }

  async completer(): Promise<void> {
    await this.run.spawn("completer", () => completeStuckCheckouts({ olderThanMs: 0 }), (outcome) => {
      if ("error" in outcome && !(outcome.error instanceof ActorCrashed)) this.errors.push(`completer: ${String((outcome.error as Error)?.stack ?? outcome.error)}`);
    });
  }

  /** Time passes for one unfinished checkout: its lock goes stale and it looks idle, so a retry or the completer takes it over (its holder may still be alive). */
  async expireLock(pick: number): Promise<string | null> {
    const records = await db.$queryRaw<{ id: string; key: string }[]>`SELECT id, key FROM "IdempotencyRecord" WHERE "recoveryPoint" <> 'finished' ORDER BY "createdAt", id`;
    if (records.length === 0) return null;
    const record = records[pick % records.length]!;
    await db.$executeRaw`UPDATE "IdempotencyRecord" SET "lockedAt" = "lockedAt" - interval '1 hour', "updatedAt" = "updatedAt" - interval '1 hour' WHERE id = ${record.id}`;
    return record.key;
  }

  /**
   * The TTL passes for this run's keys (only the finished ones unless `inFlight`: a record still
   * at a recovery point expiring while its checkout runs is issue 13 item 3), and the purge runs
   * while retries may still come.
   */
  async purge(inFlight: boolean): Promise<number> {
    await db.$executeRaw`UPDATE "IdempotencyRecord" SET "expiresAt" = now() - interval '1 second' WHERE ${inFlight} OR "recoveryPoint" = 'finished'`;
    return purgeExpired(db, new Date());
  }

  /** A refund made outside the shop (the dashboard), whose charge.refunded event may come before the payment's own events. */
  async dashboardRefund(pick: number): Promise<string | null> {
    const { paymentIntents } = await fetchLedger(paymentsUrl());
    const succeeded = paymentIntents.filter((pi) => pi.status === "succeeded");
    if (succeeded.length === 0) return null;
    const intent = succeeded[pick % succeeded.length]!;
    try {
      await stripe().refunds.create({ payment_intent: intent.id }, { idempotencyKey: `dashboard_${intent.id}` });
    } catch (error) {
      return `refused: ${(error as Error).message}`;
    }
    // Stripe sends charge.refunded at once, whether or not the shop has recorded the payment yet.
    const refunded = (await fetchLedger(paymentsUrl())).events.filter((event) => event.type === "charge.refunded" && event.paymentIntent === intent.id && !this.delivered.has(event.id));
    for (const event of refunded) {
      this.delivered.add(event.id);
      const full = await retrieveEvent(event.id);
      await this.run.spawn(`webhook charge.refunded ${event.id}`, () => deliver(full), (outcome) => this.webhookAnswer(event.id, outcome));
    }
    return `refunded ${intent.id}, ${refunded.length} charge.refunded sent`;
  }

  /** The next `times` calls to Stripe about this shopper's payments meet the fault. */
  async fault(shopper: Shopper, name: FaultName, times: number): Promise<void> {
    const match = { metadata: shopper.kind === "cart" ? { cartId: shopper.cartId } : { apiClientId: shopper.apiClientId } };
    await paymentsCall("POST", "/_test/faults", { match, fault: FAULTS[name], times });
    this.log.faults.push({ type: "fault", t: this.now(), kind: name, shopper: shopper.name, detail: { times } });
  }

  /** The process holding this actor dies at the pause point where it waits. */
  kill(pick: number): string | null {
    const parked = this.run.parked();
    if (parked.length === 0) return null;
    const actor = parked[pick % parked.length]!;
    actor.crash = true;
    this.log.kills.push({ type: "kill", t: this.now(), instance: 0, point: actor.at });
    return `${actor.label} @${actor.at}`;
  }

  /**
   * Faults stop and time passes: pending payments settle at the payments server, every event
   * is delivered (once more), stale locks and idle records are left to the completer, the
   * outbox sends. Rounds until nothing of this run is open, or the bound runs out.
   */
  async settle(maxRounds = 6): Promise<{ settledAfterRounds: number | null; unsettled: Unsettled }> {
    this.run.gated = false;
    await paymentsCall("DELETE", "/_test/faults");
    let unsettled = await this.unsettled();
    for (let round = 1; round <= maxRounds; round++) {
      await this.waitForProcessing();
      for (const event of await this.events()) {
        const result = await deliver(await retrieveEvent(event.id));
        if (result.status !== 200) this.errors.push(`settle: webhook ${event.id} answered ${result.status}`);
      }
      // The database holds this run alone (emptied at its start): every record, whatever its scope.
      await db.$executeRaw`UPDATE "IdempotencyRecord" SET "lockedAt" = "lockedAt" - interval '1 hour', "updatedAt" = "updatedAt" - interval '1 hour' WHERE "recoveryPoint" <> 'finished'`;
      await completeStuckCheckouts({ olderThanMs: 0, limit: 100 });
      while ((await deliverPendingMessages()) > 0);
      unsettled = await this.unsettled();
      if (unsettled.openOrders + unsettled.unfinishedRecords + unsettled.lockedRecords + unsettled.unsentMessages === 0) return { settledAfterRounds: round, unsettled };
    }
    return { settledAfterRounds: null, unsettled };
  }

  private async waitForProcessing(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const { paymentIntents } = await fetchLedger(paymentsUrl());
      if (!paymentIntents.some((pi) => pi.status === "processing")) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async unsettled(): Promise<Unsettled> {
    const [row] = await db.$queryRaw<{ open: number; unfinished: number; locked: number; unsent: number }[]>`
      SELECT (SELECT count(*)::int FROM "Order" WHERE status IN ('pending', 'processing')) AS open,
             (SELECT count(*)::int FROM "IdempotencyRecord" WHERE "recoveryPoint" <> 'finished') AS unfinished,
             (SELECT count(*)::int FROM "IdempotencyRecord" WHERE "lockedAt" IS NOT NULL) AS locked,
             (SELECT count(*)::int FROM "OutboxMessage" WHERE "sentAt" IS NULL) AS unsent`;
    return { openOrders: row!.open, unfinishedRecords: row!.unfinished, lockedRecords: row!.locked, unsentMessages: row!.unsent };
  }

  /** The campaign's checker on this run's rows and this run's ledger. */
  async check(settled: { settledAfterRounds: number | null; unsettled: Unsettled }): Promise<{ results: InvariantResult[]; state: DatabaseState; ledger: Ledger }> {
    // The file's own database, emptied at the run's start: all of it is this run (records and
    // orders of any scope, as a broken scoping would write them).
    const state = await readDatabase(process.env.DATABASE_URL!);
    const ledger = await fetchLedger(paymentsUrl());
    const liveness = { boundMs: 1, settledAfterMs: settled.settledAfterRounds === null ? null : 0, unsettled: settled.unsettled };
    const results = checkInvariants({ db: state, ledger, client: this.log, liveness });
    return { results, state, ledger };
  }
}

type Unsettled = { openOrders: number; unfinishedRecords: number; lockedRecords: number; unsentMessages: number };
