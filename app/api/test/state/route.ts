import { jsonError } from "@/lib/http.ts";
import { shopState, testEndpointsEnabled } from "@/lib/test-state.ts";

export async function GET(request: Request) {
  if (!testEndpointsEnabled()) return jsonError(404, "invalid_request_error", "Not found");
  const params = new URL(request.url).searchParams;
  return Response.json(await shopState({ cartId: params.get("cartId") ?? undefined, orderId: params.get("orderId") ?? undefined }));
}
