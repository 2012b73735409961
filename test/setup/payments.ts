/** Reads and steers the local payments server through its /_test/ control API. */
const base = () => process.env.PAYMENTS_URL!;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base()}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

type ServerStats = {
  paymentIntents: { created: number };
  charges: { succeeded: number };
  capturedAmount: number;
  refunds: { count: number };
  webhooks: { attempted: number; succeeded: number };
};

/** The counts the guarantees are about: PaymentIntents created, charges that took money. */
export type PaymentStats = { paymentIntents: number; charges: number; capturedAmount: number; refunds: number; webhookDeliveries: number };

async function stats(metadataKey: string, value: string): Promise<PaymentStats> {
  const raw = await call<ServerStats>("GET", `/_test/stats?metadataKey=${metadataKey}&metadataValue=${encodeURIComponent(value)}`);
  return {
    paymentIntents: raw.paymentIntents.created,
    charges: raw.charges.succeeded,
    capturedAmount: raw.capturedAmount,
    refunds: raw.refunds.count,
    webhookDeliveries: raw.webhooks.attempted,
  };
}

/** What the payments server did for one order (the shop tags PaymentIntents with metadata.orderId). */
export const statsForOrder = (orderId: string) => stats("orderId", orderId);
/** ... and for every order of one cart (metadata.cartId). */
export const statsForCart = (cartId: string) => stats("cartId", cartId);

export function addFault(match: Record<string, unknown>, fault: Record<string, unknown>, times = 1): Promise<{ id: string }> {
  return call("POST", "/_test/faults", { match, fault, times });
}

/** Creates (without delivering) an event for a PaymentIntent, e.g. a stale payment_failed. */
export function createEvent(type: string, paymentIntent: string): Promise<{ id: string }> {
  return call("POST", "/_test/events", { type, paymentIntent, deliver: false });
}

/** The PaymentIntents the payments server holds for one cart. */
export async function paymentIntentsForCart(cartId: string): Promise<{ id: string; status: string }[]> {
  const { data } = await call<{ data: { id: string; status: string }[] }>("GET", `/_test/payment_intents?metadataKey=cartId&metadataValue=${encodeURIComponent(cartId)}`);
  return data;
}

/** Every answer about this cart's charge arrives after the app's Stripe timeout, retries included. */
export function delayAllAnswers(cartId: string, ms = 2500) {
  return addFault({ metadata: { cartId } }, { kind: "delay_after_commit", ms }, 3);
}

/**
 * Makes the payments server's search eventually consistent for the PaymentIntents `match` selects (e.g.
 * `{ metadata: { cartId } }`), as Stripe's is: a new or changed one reaches search `ms` later; lists and retrieves
 * see it at once. Returns the rule's id for `removeSearchDelay`.
 */
export function delaySearch(match: Record<string, unknown>, ms: number): Promise<{ id: string }> {
  return call("POST", "/_test/search_delays", { match, ms });
}

export function removeSearchDelay(id: string): Promise<{ deleted: number }> {
  return call("DELETE", `/_test/search_delays/${id}`);
}
