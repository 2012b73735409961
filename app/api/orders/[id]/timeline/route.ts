import { orderTimeline } from "@/lib/audit.ts";
import { jsonError } from "@/lib/http.ts";
import { findOrderForRequest } from "@/lib/order-access.ts";

/** GET /api/orders/[id]/timeline: the order's audit steps, for the cart session or API client that placed it. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const order = await findOrderForRequest(request, (await params).id);
  if (!order) return jsonError(404, "invalid_request_error", "No such order", "resource_missing");
  return Response.json({ timeline: await orderTimeline(order.id) }, { headers: { "Cache-Control": "no-store" } });
}
