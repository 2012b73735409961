"use client";

import useSWR from "swr";
import type { TimelineEvent } from "@/lib/audit-events.ts";
import type { LabRun } from "@/lib/lab/runs.ts";
import { RunResults } from "@/components/lab/run-results.tsx";
import { fetchJson, type FetchError } from "@/components/swr.ts";
import { auditRows, mergeRows, runnerRows } from "@/components/timeline/rows.ts";
import { Timeline } from "@/components/timeline/timeline.tsx";

type RunResponse = { run: LabRun; timeline: TimelineEvent[] };

// Late webhooks keep arriving for a few seconds after a run settles: keep watching for them.
const LINGER_MS = 10_000;
const watching = (latest: RunResponse | undefined) =>
  !latest || latest.run.status === "running" || Date.now() - Date.parse(latest.run.finishedAt ?? "") < LINGER_MS;

/** A run as it happens: the timeline (polled from the server), then its counts. */
export function RunPanel({ runId }: { runId: string }) {
  const { data, error } = useSWR<RunResponse, FetchError>(`/api/lab/runs/${runId}`, fetchJson, { refreshInterval: (latest) => (watching(latest) ? 500 : 0) });
  if (error) return <p role="alert" className="text-sm text-red-800">{error.status === 404 ? "This run is gone (the server restarted)." : "The run could not be loaded."}</p>;
  if (!data) return <p className="text-sm text-stone-500">Starting…</p>;
  const { run } = data;
  return (
    <div className="flex flex-col gap-4">
      <p aria-live="polite" data-testid="run-status" className="text-sm font-semibold text-stone-700">
        {run.status === "running" ? "Running…" : run.status === "finished" ? "Finished" : "Failed"}
      </p>
      {run.error && (
        <p role="alert" className="rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          {run.error}
        </p>
      )}
      {run.result && <RunResults result={run.result} />}
      <Timeline rows={mergeRows(runnerRows(run.steps), auditRows(data.timeline))} label="Run timeline" />
    </div>
  );
}
