import { EMPTY_CART } from "@/lib/cart.ts";
import { currentCart } from "@/lib/session.ts";

/** The session's cart, read by the browser with SWR. Prices come from the database. */
export async function GET() {
  return Response.json((await currentCart()) ?? EMPTY_CART, { headers: { "Cache-Control": "no-store" } });
}
