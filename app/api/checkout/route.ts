import { readApiCheckout } from "@/lib/checkout/api-request.ts";
import { checkout } from "@/lib/checkout/checkout.ts";
import { checkoutResponse } from "@/lib/http.ts";

/**
 * POST /api/checkout: the same checkout as the server action, for non-browser clients. The API
 * key is checked by the checkout's first statement (the look), so a replay is that one statement.
 */
export async function POST(request: Request) {
  const read = await readApiCheckout(request, "required");
  if (!read.ok) return read.response;
  const { apiKey, key, body } = read;
  return checkoutResponse(await checkout({ apiKey, key, paymentMethod: body.paymentMethod, items: body.items }));
}
