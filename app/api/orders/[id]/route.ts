import { jsonError } from "@/lib/http.ts";
import { findOrderForRequest } from "@/lib/order-access.ts";

/** The order, for the API client or cart session that placed it; 404 for anyone else. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const order = await findOrderForRequest(request, (await params).id);
  if (!order) return jsonError(404, "invalid_request_error", "No such order", "resource_missing");
  return Response.json({ order }, { headers: { "Cache-Control": "no-store" } });
}
