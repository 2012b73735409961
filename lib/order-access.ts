import { authenticateApiKey } from "@/lib/api-clients.ts";
import { apiScope, cartScope } from "@/lib/checkout/request.ts";
import { findOrderForScope, type OrderView } from "@/lib/orders.ts";
import { currentCart } from "@/lib/session.ts";

/**
 * The order asked for by an HTTP request, if the request may see it: a request with a valid API
 * key sees that client's orders, a browser the orders its cart session placed. Anyone else gets
 * null, answered as 404.
 */
export async function findOrderForRequest(request: Request, orderId: string): Promise<OrderView | null> {
  const client = await authenticateApiKey(request.headers.get("authorization"));
  if (client) return findOrderForScope(orderId, [apiScope(client.id)]);
  const cart = await currentCart();
  return cart ? findOrderForScope(orderId, [cartScope(cart.id)]) : null;
}
