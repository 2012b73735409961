import { authenticateApiKey } from "@/lib/api-clients.ts";
import { apiScope, cartScope } from "@/lib/checkout/request.ts";
import { jsonError } from "@/lib/http.ts";
import { findOrderForScope } from "@/lib/orders.ts";
import { currentCart } from "@/lib/session.ts";

/** The order, for the API client or cart session that placed it; 404 for anyone else. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [client, cart] = await Promise.all([authenticateApiKey(request.headers.get("authorization")), currentCart()]);
  const scopes = [...(client ? [apiScope(client.id)] : []), ...(cart ? [cartScope(cart.id)] : [])];
  const order = scopes.length ? await findOrderForScope(id, scopes) : null;
  if (!order) return jsonError(404, "invalid_request_error", "No such order", "resource_missing");
  return Response.json({ order }, { headers: { "Cache-Control": "no-store" } });
}
