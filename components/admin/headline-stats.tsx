import type { AdminMetricsResponse } from "@/lib/metrics-history.ts";
import { card } from "@/components/ui/styles.ts";

const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });
const count = new Intl.NumberFormat();

function Stat({ id, label, value, note }: { id: string; label: string; value: string; note: string }) {
  return (
    <div className={`${card} flex flex-col gap-1 p-5`}>
      <dt className="text-sm font-medium text-stone-500">{label}</dt>
      <dd data-testid={id} className="text-3xl font-bold tabular-nums tracking-tight text-espresso">
        {value}
      </dd>
      <dd className="text-sm text-stone-600">{note}</dd>
    </div>
  );
}

/** The three idempotency-health numbers, since this app instance started. */
export function HeadlineStats({ health, window }: Pick<AdminMetricsResponse, "health" | "window">) {
  const minutes = Math.max(1, Math.round(window.seconds / 60));
  return (
    <dl className="grid gap-4 sm:grid-cols-3" aria-label="Idempotency health">
      <Stat
        id="duplicate-request-rate"
        label="Duplicate request rate"
        value={percent.format(health.duplicateRequestRatio)}
        note={`${count.format(health.replayed + health.inFlightConflicts)} of ${count.format(health.checkoutRequests)} checkout requests repeated a key · last ${minutes} min: ${percent.format(window.duplicateRequestRatio)}`}
      />
      <Stat
        id="duplicates-prevented"
        label="Duplicates prevented"
        value={count.format(health.duplicatesPrevented)}
        note={`${count.format(health.replayed)} replayed · ${count.format(health.inFlightConflicts)} refused in flight · ${count.format(health.webhookDuplicates)} webhook redeliveries`}
      />
      <Stat
        id="key-reuse-mismatch"
        label="Key reuse with another payload"
        value={count.format(health.keyReuseMismatch)}
        note="Refused with 422: a key names one request, never another"
      />
    </dl>
  );
}
