import { authenticateApiKey } from "@/lib/api-clients.ts";
import { apiScope } from "@/lib/checkout/request.ts";
import { unauthorized } from "@/lib/http.ts";
import { refundOrder } from "@/lib/refunds.ts";

/** POST /api/orders/[id]/refund: for the API client that placed the order. Repeating it is safe. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const client = await authenticateApiKey(request.headers.get("authorization"));
  if (!client) return unauthorized();
  const { id } = await params;
  const result = await refundOrder(id, [apiScope(client.id)]);
  return Response.json(result.body, { status: result.status });
}
