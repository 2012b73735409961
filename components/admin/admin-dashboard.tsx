"use client";

import useSWR from "swr";
import type { AdminMetricsResponse } from "@/lib/metrics-history.ts";
import { CHARTS } from "@/components/admin/chart-definitions.ts";
import { HeadlineStats } from "@/components/admin/headline-stats.tsx";
import { MailStatus } from "@/components/admin/mail-status.tsx";
import { RecentSteps } from "@/components/admin/recent-steps.tsx";
import { TimeSeriesChart } from "@/components/admin/time-series-chart.tsx";
import { fetchJson, type FetchError } from "@/components/swr.ts";
import { ErrorPanel } from "@/components/ui/error-panel.tsx";
import { LoadingPanel } from "@/components/ui/loading-panel.tsx";

export const ADMIN_METRICS_KEY = "/api/admin/metrics?events=30";

/** The operator's view of idempotency at work, polled every 2 s (the sampler's own interval). */
export function AdminDashboard() {
  const { data, error, mutate } = useSWR<AdminMetricsResponse, FetchError>(ADMIN_METRICS_KEY, fetchJson, { refreshInterval: 2_000 });

  if (!data) {
    return error ? <ErrorPanel message="The metrics could not be loaded." onRetry={() => void mutate()} /> : <LoadingPanel label="Loading metrics" />;
  }
  const minutes = Math.round((data.capacity * (data.sampleIntervalMs ?? 2_000)) / 60_000);
  return (
    <div className="flex flex-col gap-6">
      <HeadlineStats health={data.health} window={data.window} />
      {data.sampleIntervalMs === null && (
        <p role="status" className="rounded-xl border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          The metrics sampler is not running on this instance (it starts with the maintenance loop): the charts stay empty.
        </p>
      )}
      <p className="text-sm text-stone-500">
        Charts cover this app instance&apos;s last {minutes} minutes, one point per {((data.sampleIntervalMs ?? 2_000) / 1000).toString()} s sample.
        {error && <span className="text-red-700"> Refresh failed; showing the last answer.</span>}
      </p>
      <div className="grid gap-6 lg:grid-cols-2">
        {CHARTS.map((chart) => (
          <TimeSeriesChart key={chart.id} chart={chart} intervals={data.intervals} />
        ))}
      </div>
      <MailStatus mail={data.mail} />
      <RecentSteps timeline={data.timeline} />
    </div>
  );
}
