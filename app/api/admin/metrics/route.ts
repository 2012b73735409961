import { z } from "zod";
import { recentAuditEvents } from "@/lib/audit.ts";
import { devToolsEnabled } from "@/lib/dev-tools.ts";
import { jsonError } from "@/lib/http.ts";
import { mailStatus } from "@/lib/mail/status.ts";
import { currentIdempotencyHealth } from "@/lib/metrics.ts";
import { metricsHistory, summarizeWindow, toIntervals, type AdminMetricsResponse } from "@/lib/metrics-history.ts";

const query = z.object({ events: z.coerce.number().int().min(1).max(200).default(30) });

/** The operator dashboard's data: this instance's metrics history and the latest audit steps of every scope. */
export async function GET(request: Request) {
  // Every shopper's traffic is here: absent unless the dev tools are on, as if the route did not exist.
  if (!devToolsEnabled()) return jsonError(404, "invalid_request_error", "Not found");
  const parsed = query.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return jsonError(400, "invalid_request_error", "events must be an integer from 1 to 200", "invalid_query");

  const samples = metricsHistory.samples();
  const [health, timeline, mail] = await Promise.all([currentIdempotencyHealth(), recentAuditEvents(parsed.data.events), mailStatus()]);
  const body: AdminMetricsResponse = {
    sampleIntervalMs: metricsHistory.intervalMs,
    capacity: metricsHistory.capacity,
    health,
    window: summarizeWindow(samples),
    intervals: toIntervals(samples),
    timeline,
    mail,
  };
  return Response.json(body, { headers: { "Cache-Control": "no-store" } });
}
