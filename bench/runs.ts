import { spreadOf, type Spread } from "./stats.ts";
import type { LoadRun } from "./load.ts";

/** The numbers of one load run; only ever built for a run whose correctness checks passed. */
export type RunMetrics = { requests: number; throughput: number; goodput: number; p50: number; p95: number; p99: number; mean: number; appCpuMs: number; ownerCpuMs: number };
export const METRIC_KEYS = ["requests", "throughput", "goodput", "p50", "p95", "p99", "mean", "appCpuMs", "ownerCpuMs"] as const;

export type RunRecord = { ok: true; metrics: RunMetrics; counts: Record<string, number> } | { ok: false; violations: string[] };

/** A measured scenario: each run, and medians with min–max over the runs when all of them were correct. */
export type ScenarioResult = { id: string; title: string; connections: number; runs: RunRecord[]; summary: Record<keyof RunMetrics, Spread> | null };

type Cpu = { app: number; owner: number };

/**
 * `goodput`: the useful units per second (distinct orders created, distinct events applied).
 * CPU per request (next-server; the stack process) doesn't depend on how busy the machine is,
 * unlike every wall-clock number.
 */
export function metricsOf(run: LoadRun, usefulUnits: number, cpuBefore: Cpu, cpuAfter: Cpu): RunMetrics {
  return {
    requests: run.requests,
    throughput: run.throughput,
    goodput: (usefulUnits / run.elapsedMs) * 1000,
    ...run.latency,
    appCpuMs: (cpuAfter.app - cpuBefore.app) / run.requests,
    ownerCpuMs: (cpuAfter.owner - cpuBefore.owner) / run.requests,
  };
}

export function summarise(id: string, title: string, connections: number, runs: RunRecord[]): ScenarioResult {
  const good = runs.filter((run): run is Extract<RunRecord, { ok: true }> => run.ok);
  const summary = good.length === runs.length && runs.length > 0 ? spreadOf(good.map((run) => run.metrics), METRIC_KEYS) : null;
  return { id, title, connections, runs, summary };
}

/** Status code counts of a run, as "201×40 409×8". */
export function statusLine(statuses: Record<string, number>): string {
  return Object.entries(statuses).map(([code, count]) => `${code}×${count}`).join(" ");
}
