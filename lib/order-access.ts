import { authenticateApiKey } from "@/lib/api-clients.ts";
import { apiScope, cartScope } from "@/lib/checkout/request.ts";
import { findOrderForScope, type OrderView } from "@/lib/orders.ts";
import { currentCart } from "@/lib/session.ts";

/**
 * The order asked for by an HTTP request, if the request may see it: an API client sees its own
 * orders, a cart session the orders it placed. Anyone else gets null, answered as 404.
 */
export async function findOrderForRequest(request: Request, orderId: string): Promise<OrderView | null> {
  const [client, cart] = await Promise.all([authenticateApiKey(request.headers.get("authorization")), currentCart()]);
  const scopes = [...(client ? [apiScope(client.id)] : []), ...(cart ? [cartScope(cart.id)] : [])];
  return scopes.length ? findOrderForScope(orderId, scopes) : null;
}
