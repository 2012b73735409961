import type { Anatomy } from "./anatomy.ts";
import type { Audit } from "./audit.ts";
import type { BenchConfig, DatabaseKind } from "./config.ts";
import type { GrowthResult } from "./growth.ts";
import type { LayerResult } from "./layer.ts";
import type { LeanResults } from "./lean.ts";
import type { Machine } from "./machine.ts";
import type { ReplayCacheResult, ReplayCacheVerdict } from "./replay-cache.ts";
import type { ScenarioResult } from "./runs.ts";

/** A benchmark section either produced numbers from correct runs, or failed and reports none. */
export type Section<T> = { ok: true; value: T } | { ok: false; error: string };

export type DatabaseResults = {
  kind: DatabaseKind;
  label: string;
  skipped?: string;
  layer?: Section<LayerResult>;
  growth?: Section<GrowthResult>;
  checkout?: Section<ScenarioResult[]>;
  webhooks?: Section<ScenarioResult[]>;
  audit?: Section<Audit>;
  /** The replay read from a Redis cache versus the database (bench/replay-cache.ts). */
  replayCache?: Section<ReplayCacheResult>;
  /** Set against the same run's replay requests; absent without both numbers. */
  replayCacheVerdict?: ReplayCacheVerdict;
};

export type Results = {
  mode: BenchConfig["mode"];
  startedAt: string;
  durationSeconds: number;
  buildSeconds: number;
  machine: Machine;
  settings: BenchConfig;
  /** Database round trips per request, counted in-process. */
  anatomy?: Section<Anatomy>;
  databases: DatabaseResults[];
  /** Issue 15's ratios per database (bench/lean.ts). */
  lean?: LeanResults;
  /** Why the Redis replay cache comparison did not run (no redis-server could be started). */
  replayCacheSkipped?: string;
  /** Every correctness failure of the run; empty when every number above comes from a correct run. */
  failures: string[];
};
