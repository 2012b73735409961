import { randomUUID } from "node:crypto";
import type { ScenarioId } from "@/lib/lab/catalog.ts";

export type StepTone = "info" | "good" | "warn" | "bad";
/** The lab runner's own narration: what the simulated shopper (or network) did, and what came back. */
export type RunnerStep = { at: string; actor: "shopper" | "lab"; text: string; tone: StepTone };
export type Tally = { orders: number; charges: number; messages: number };
export type LabResult = {
  /** What this shop did, counted from its database and the payments server. */
  safe: Tally;
  /** What a checkout without idempotency would have done: measured when the run used one, else derived from the run. */
  naive: Tally & { measured: boolean; how: string };
  orders: { id: string; status: string; naive: boolean }[];
};
export type LabRun = {
  id: string;
  scenario: ScenarioId;
  status: "running" | "finished" | "failed";
  startedAt: string;
  finishedAt: string | null;
  steps: RunnerStep[];
  result: LabResult | null;
  error: string | null;
};
/** The run and the scope its requests are made in (kept server-side: the timeline is read by scope). */
type StoredRun = LabRun & { scope: string };

// On globalThis: the route that starts a run and the one that reads it are bundled apart.
const globalForRuns = globalThis as unknown as { labRuns?: Map<string, StoredRun> };
const runs = (globalForRuns.labRuns ??= new Map<string, StoredRun>());
const KEEP = 50;

export function createRun(scenario: ScenarioId, scope: string): StoredRun {
  const run: StoredRun = { id: randomUUID(), scenario, scope, status: "running", startedAt: new Date().toISOString(), finishedAt: null, steps: [], result: null, error: null };
  runs.set(run.id, run);
  for (const id of [...runs.keys()].slice(0, Math.max(0, runs.size - KEEP))) runs.delete(id);
  return run;
}

export function findRun(id: string): StoredRun | undefined {
  return runs.get(id);
}

/** A step of the run's story: what the shopper (or the network) did, or what the lab set up or saw. */
export function narrate(run: StoredRun, text: string, tone: StepTone = "info", actor: RunnerStep["actor"] = "lab"): void {
  run.steps.push({ at: new Date().toISOString(), actor, text, tone });
}

export function finishRun(run: StoredRun, outcome: { result: LabResult } | { error: string }): void {
  run.finishedAt = new Date().toISOString();
  if ("result" in outcome) {
    run.status = "finished";
    run.result = outcome.result;
  } else {
    run.status = "failed";
    run.error = outcome.error;
  }
}

export function publicRun({ scope: _scope, ...run }: StoredRun): LabRun {
  return run;
}

export type { StoredRun };
