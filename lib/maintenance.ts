import { purgeOldAuditEvents } from "@/lib/audit.ts";
import { completeStuckCheckouts } from "@/lib/completer.ts";
import { db } from "@/lib/db.ts";
import { env } from "@/lib/env.ts";
import { purgeExpired } from "@/lib/idempotency.ts";
import { logger } from "@/lib/log.ts";
import { metrics } from "@/lib/metrics.ts";
import { metricsHistory, SAMPLE_INTERVAL_MS } from "@/lib/metrics-history.ts";
import { deliverPendingMessages } from "@/lib/outbox.ts";

/**
 * The background work of one app instance: deliver outbox messages, resume stuck checkouts,
 * purge expired idempotency records and old timeline steps (bounded batches). Every step is safe to run on several
 * instances at once: each claims its rows with a conditional update.
 */
export async function runMaintenance(now = new Date()) {
  const delivered = await deliverPendingMessages();
  const completed = await completeStuckCheckouts({ now });
  const purged = await purgeExpired(db, now);
  const auditPurged = await purgeOldAuditEvents(db, now, env().AUDIT_RETENTION_MS);
  metrics.outboxSent.inc(delivered);
  metrics.completerResumed.inc(completed);
  metrics.purged.inc(purged);
  if (delivered || completed || purged || auditPurged) logger.info({ delivered, completed, purged, auditPurged }, "maintenance");
  return { delivered, completed, purged, auditPurged };
}

/** Also starts the metrics sampler that the /admin dashboard charts; the returned function stops both. */
export function startMaintenanceLoop(intervalMs = 2_000): () => void {
  const stopSampling = metricsHistory.start(SAMPLE_INTERVAL_MS);
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runMaintenance()
      .catch((error: unknown) => logger.error({ err: error }, "maintenance failed"))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    stopSampling();
  };
}
