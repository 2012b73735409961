import { expect, type APIRequestContext } from "@playwright/test";

type StateOrder = {
  id: string;
  status: string;
  idempotencyKey: string;
  cartVersion: number | null;
  totalCents: number;
  paymentIntentId: string | null;
  payments: { paymentIntentId: string; status: string; amountCents: number }[];
  /** The confirmations in the mailbox (what the shopper received), one per email. */
  messages: { kind: string }[];
  /** The outbox rows behind them: queued in the transaction that made the order paid. */
  outbox: { kind: string; sentAt: string | null }[];
};
export type ShopState = {
  orders: StateOrder[];
  records: { key: string; recoveryPoint: string; responseStatus: number | null }[];
  webhookEvents: { id: string; type: string }[];
};

/** The shop's own records, read through its test-only endpoint (never by opening its database). */
export class ShopRecords {
  constructor(
    private readonly request: APIRequestContext,
    private readonly baseURL: string = process.env.E2E_BASE_URL!,
  ) {}

  async state(filter: { cartId: string } | { orderId: string }): Promise<ShopState> {
    const response = await this.request.get(`${this.baseURL}/api/test/state?${new URLSearchParams(filter)}`);
    if (!response.ok()) throw new Error(`state: ${response.status()} ${await response.text()}`);
    return (await response.json()) as ShopState;
  }

  /**
   * The state once every queued confirmation reached the mailbox (the relay runs every half
   * second, after the order is paid): the counts asserted then are final, not a race.
   */
  async settledState(filter: { cartId: string } | { orderId: string }): Promise<ShopState> {
    let state: ShopState | undefined;
    await expect
      .poll(async () => {
        state = await this.state(filter);
        return state.orders.every((order) => order.messages.length >= order.outbox.length);
      }, { message: "every queued confirmation reached the mailbox" })
      .toBe(true);
    return state!;
  }

  /** The cart ended with exactly one order, paid, with one confirmation (under `key`, if given). */
  async expectOnePaidOrder(cartId: string, expected: { id: string; key?: string }): Promise<ShopState> {
    const state = await this.settledState({ cartId });
    expect(state.orders).toHaveLength(1);
    expect(state.orders[0]).toMatchObject({ id: expected.id, ...(expected.key && { idempotencyKey: expected.key }), status: "paid", messages: [{ kind: "order_confirmation" }] });
    return state;
  }

  /** Holds the next checkout of this app process at a pause point for `ms` (after Stripe answered). */
  async pause(point: "after_payment", ms: number): Promise<void> {
    const response = await this.request.post(`${this.baseURL}/api/test/pause`, { data: { point, ms } });
    if (!response.ok()) throw new Error(`pause: ${response.status()} ${await response.text()}`);
  }
}

type RawStats = {
  paymentIntents: { created: number; byStatus: Record<string, number> };
  charges: { created: number; succeeded: number; failed: number };
  capturedAmount: number;
  requests: { executed: number; replayed: number; total: number };
  events: number;
  webhooks: { attempted: number; succeeded: number; failed: number; byEvent: Record<string, { type: string; attempted: number; succeeded: number }> };
};
export type CartPayments = {
  paymentIntents: number;
  charges: number;
  capturedAmount: number;
  requests: { executed: number; replayed: number };
  webhookDeliveries: number;
  webhooksByEvent: RawStats["webhooks"]["byEvent"];
};
type PaymentIntent = { id: string; status: string; amount: number; metadata: Record<string, string> };

/**
 * The payments server as the scenarios see it: what it did, and how it should misbehave. Every
 * call is scoped to one cart (the shop tags its PaymentIntents with metadata.cartId), so
 * scenarios running in parallel against one payments server never see or steer each other.
 */
export class PaymentsServer {
  constructor(
    private readonly request: APIRequestContext,
    readonly url: string = process.env.E2E_PAYMENTS_URL!,
  ) {}

  /** What happened to this cart's PaymentIntents: how many, how many charges, how many webhooks. */
  async forCart(cartId: string): Promise<CartPayments> {
    const stats = await this.get<RawStats>(`/_test/stats?metadataKey=cartId&metadataValue=${cartId}`);
    return {
      paymentIntents: stats.paymentIntents.created,
      charges: stats.charges.succeeded,
      capturedAmount: stats.capturedAmount,
      requests: { executed: stats.requests.executed, replayed: stats.requests.replayed },
      webhookDeliveries: stats.webhooks.attempted,
      webhooksByEvent: stats.webhooks.byEvent,
    };
  }

  async paymentIntentsForCart(cartId: string): Promise<PaymentIntent[]> {
    return (await this.get<{ data: PaymentIntent[] }>(`/_test/payment_intents?metadataKey=cartId&metadataValue=${cartId}`)).data;
  }

  /**
   * The next `times` requests creating a PaymentIntent for this cart misbehave as `fault` says
   * (see payments-server/README.md); other requests about it (a webhook handler's retrieve) don't.
   */
  async injectFault(cartId: string, fault: { kind: string; ms?: number }, times = 1): Promise<void> {
    await this.post("/_test/faults", { match: { metadata: { cartId }, method: "POST", path: "/v1/payment_intents" }, fault, times });
  }

  /** Shapes how this cart's webhook events are delivered: duplicated, concurrent, shuffled, with stale extras. */
  async shapeWebhooks(cartId: string, rule: { copies?: number; concurrent?: boolean; shuffle?: boolean; delayMs?: number; extraEvents?: string[]; type?: string }): Promise<void> {
    const { type, ...plan } = rule;
    await this.post("/_test/webhooks", { match: { metadata: { cartId }, ...(type && { type }) }, ...plan });
  }

  private async get<T>(path: string): Promise<T> {
    const response = await this.request.get(`${this.url}${path}`);
    if (!response.ok()) throw new Error(`GET ${path}: ${response.status()} ${await response.text()}`);
    return (await response.json()) as T;
  }

  private async post(path: string, data: unknown): Promise<void> {
    const response = await this.request.post(`${this.url}${path}`, { data });
    if (!response.ok()) throw new Error(`POST ${path}: ${response.status()} ${await response.text()}`);
  }
}
