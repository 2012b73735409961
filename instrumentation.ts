import type { Instrumentation } from "next";

/** Next.js calls this once when a server instance starts: run its background maintenance (and the dashboard's metrics sampler) there. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.DISABLE_MAINTENANCE === "1") return;
  const { startMaintenanceLoop } = await import("@/lib/maintenance.ts");
  startMaintenanceLoop(Number(process.env.MAINTENANCE_INTERVAL_MS ?? 2_000), Number(process.env.RELAY_INTERVAL_MS ?? 500));
}

/**
 * Next refuses a server action's body past `serverActions.bodySizeLimit` itself (it stops reading
 * and throws an error whose statusCode is 413, though the action's answer is a 500): counted here
 * with the route handlers' 413s.
 */
export const onRequestError: Instrumentation.onRequestError = async (error, _request, context) => {
  if (process.env.NEXT_RUNTIME !== "nodejs" || context.routeType !== "action" || (error as { statusCode?: unknown }).statusCode !== 413) return;
  const { metrics } = await import("@/lib/metrics.ts");
  metrics.bodyTooLarge.inc({ route: "action" });
};
