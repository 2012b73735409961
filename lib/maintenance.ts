import { purgeOldAuditEvents } from "@/lib/audit.ts";
import { oldestUnfinishedSeconds } from "@/lib/checkout/attempts.ts";
import { completeStuckCheckouts } from "@/lib/completer.ts";
import { db } from "@/lib/db.ts";
import { env } from "@/lib/env.ts";
import { purgeExpired } from "@/lib/idempotency.ts";
import { logger } from "@/lib/log.ts";
import { metrics } from "@/lib/metrics.ts";
import { metricsHistory, SAMPLE_INTERVAL_MS } from "@/lib/metrics-history.ts";
import { relayPublisher } from "@/lib/mail/publisher.ts";
import { deliverPendingMessages } from "@/lib/outbox.ts";

/**
 * The background work of one app instance: resume stuck checkouts (and measure the oldest one
 * left), purge expired idempotency records that finished and old timeline steps (bounded
 * batches). Every step is safe to run on several instances at once: each claims its rows with a
 * conditional update. The outbox relay has its own, shorter loop (startRelayLoop), so a
 * confirmation leaves within a fraction of a second.
 */
export async function runMaintenance(now = new Date()) {
  const completed = await completeStuckCheckouts();
  metrics.oldestUnfinishedCheckout.set(await oldestUnfinishedSeconds(db));
  const purged = await purgeExpired(db, now);
  const auditPurged = await purgeOldAuditEvents(db, now, env().AUDIT_RETENTION_MS);
  metrics.completerResumed.inc(completed);
  metrics.purged.inc(purged);
  if (completed || purged || auditPurged) logger.info({ completed, purged, auditPurged }, "maintenance");
  return { completed, purged, auditPurged };
}

/** Runs `work` every `intervalMs`, never two passes at once; returns the function that stops it. */
function every(intervalMs: number, name: string, work: () => Promise<unknown>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    work()
      .catch((error: unknown) => logger.error({ err: error }, `${name} failed`))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** One relay pass: hand queued confirmations over (consumer or broker), mark each one sent after. */
async function relayOnce(): Promise<void> {
  const sent = await deliverPendingMessages(relayPublisher());
  metrics.outboxSent.inc(sent);
}

/**
 * Starts the maintenance loop, the outbox relay's loop and the metrics sampler that the /admin
 * dashboard charts; the returned function stops all three.
 */
export function startMaintenanceLoop(intervalMs = 2_000, relayIntervalMs = 500): () => void {
  const stops = [metricsHistory.start(SAMPLE_INTERVAL_MS), every(intervalMs, "maintenance", () => runMaintenance()), every(relayIntervalMs, "outbox relay", relayOnce)];
  return () => stops.forEach((stop) => stop());
}
