/** Next.js calls this once when a server instance starts: run its background maintenance (and the dashboard's metrics sampler) there. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.DISABLE_MAINTENANCE === "1") return;
  const { startMaintenanceLoop } = await import("@/lib/maintenance.ts");
  startMaintenanceLoop(Number(process.env.MAINTENANCE_INTERVAL_MS ?? 2_000));
}
