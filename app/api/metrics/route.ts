import { metrics } from "@/lib/metrics.ts";

/** Prometheus text format. */
export async function GET() {
  return new Response(await metrics.registry.metrics(), { headers: { "Content-Type": metrics.registry.contentType, "Cache-Control": "no-store" } });
}
