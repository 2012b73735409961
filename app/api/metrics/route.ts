import { env } from "@/lib/env.ts";
import { jsonError } from "@/lib/http.ts";
import { metricsAccess } from "@/lib/metrics-access.ts";
import { metrics } from "@/lib/metrics.ts";

/** Prometheus text format; in production only for `Authorization: Bearer $METRICS_TOKEN`. */
export async function GET(request: Request) {
  const access = metricsAccess(request.headers.get("authorization"), { production: process.env.NODE_ENV === "production", token: env().METRICS_TOKEN });
  if (access === "absent") return jsonError(404, "invalid_request_error", "Not found");
  if (access === "denied") {
    return jsonError(401, "authentication_error", "Send the metrics token as `Authorization: Bearer <METRICS_TOKEN>`", "invalid_metrics_token", { "WWW-Authenticate": "Bearer" });
  }
  return new Response(await metrics.registry.metrics(), { headers: { "Content-Type": metrics.registry.contentType, "Cache-Control": "no-store" } });
}
