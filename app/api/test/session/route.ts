import { jsonError } from "@/lib/http.ts";
import { currentCart } from "@/lib/session.ts";
import { testEndpointsEnabled } from "@/lib/test-state.ts";

/** The cart id behind this browser's session cookie, so a scenario can tag and count its payments. */
export async function GET() {
  if (!testEndpointsEnabled()) return jsonError(404, "invalid_request_error", "Not found");
  const cart = await currentCart();
  return Response.json({ cartId: cart?.id ?? null, version: cart?.version ?? null });
}
