import type { APIRequestContext } from "@playwright/test";

type StateOrder = { id: string; status: string; idempotencyKey: string; payments: { status: string }[]; messages: { kind: string }[] };
export type ShopState = { orders: StateOrder[]; records: { key: string; recoveryPoint: string }[]; webhookEvents: { id: string; type: string }[] };

/** The shop's own records, read through its test-only endpoint (never by opening its database). */
export async function shopState(request: APIRequestContext, filter: { cartId: string } | { orderId: string }): Promise<ShopState> {
  const query = new URLSearchParams(filter).toString();
  const response = await request.get(`/api/test/state?${query}`);
  if (!response.ok()) throw new Error(`state: ${response.status()}`);
  return (await response.json()) as ShopState;
}

type RawStats = { paymentIntents: { created: number }; charges: { succeeded: number }; capturedAmount: number; webhooks: { attempted: number } };

/** What the payments server did for one cart's PaymentIntents (metadata.cartId). */
export async function paymentsForCart(request: APIRequestContext, cartId: string) {
  const response = await request.get(`${process.env.E2E_PAYMENTS_URL}/_test/stats?metadataKey=cartId&metadataValue=${cartId}`);
  const stats = (await response.json()) as RawStats;
  return { paymentIntents: stats.paymentIntents.created, charges: stats.charges.succeeded, capturedAmount: stats.capturedAmount, webhookDeliveries: stats.webhooks.attempted };
}

/** Steers the payments server for this cart's PaymentIntents only, so parallel scenarios never collide. */
export async function injectFault(request: APIRequestContext, cartId: string, fault: Record<string, unknown>, times = 1) {
  const response = await request.post(`${process.env.E2E_PAYMENTS_URL}/_test/faults`, { data: { match: { metadata: { cartId } }, fault, times } });
  if (!response.ok()) throw new Error(`fault: ${response.status()} ${await response.text()}`);
}
