import fc from "fast-check";
import { ALL_FAULTS, commandArbitraries, OPEN_BREACHES, type Model, type OpenBreach } from "./commands.ts";
import { endRun, quietAct, startRun, type Run } from "./gates.ts";
import type { FaultName } from "./world.ts";
import { World } from "./world.ts";

/** What the runs exercised, summed over every run of this process (printed by the test, for the note). */
export const coverage = { runs: 0, commands: new Map<string, number>(), told: new Map<string, number>(), finalStatus: new Map<string, number>(), auditSteps: new Map<string, number>() };
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
export const coverageText = () =>
  [
    `runs ${coverage.runs}`,
    ...(["commands", "told", "finalStatus", "auditSteps"] as const).map((name) => `${name}: ${[...coverage[name]].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(", ")}`),
  ].join("\n");

export type PropertyOptions = { seed: number; numRuns: number; maxCommands: number; faults?: FaultName[]; include: OpenBreach[]; timeLimitMs: number; path?: string; endOnFailure?: boolean };

/** A run that broke something: which invariants (0 for an unexpected error of the app), and the account of it. */
export class PropertyViolation extends Error {
  constructor(readonly invariants: number[], message: string) {
    super(message);
  }
}

/** Releases every gate still held, until every actor of the run has finished. */
async function drain(run: Run, scheduler: fc.Scheduler): Promise<void> {
  for (;;) {
    await run.quiet();
    if (scheduler.count() === 0) return;
    await scheduler.waitAll();
  }
}

/**
 * One property run: a fresh world (shoppers, carts, API clients, an empty payments ledger), the
 * commands run under the scheduler, every actor driven to its end, then the settle phase (faults
 * stop, events delivered, completer, outbox), then the campaign's checker on this run alone.
 * Throws a readable account of what broke: violations, unexpected errors, the trace.
 */
async function oneRun(scheduler: fc.Scheduler, commands: Iterable<fc.AsyncCommand<Model, World, false>>): Promise<void> {
  const run = startRun(scheduler);
  try {
    const world = await World.create(run);
    try {
      await fc.scheduledModelRun(scheduler, () => ({ model: { commands: 0 }, real: world }), commands);
    } finally {
      await drain(run, scheduler);
    }
    const settled = await world.settle();
    const { results, state } = await world.check(settled);
    coverage.runs++;
    for (const line of world.trace) bump(coverage.commands, `${line.slice(0, line.indexOf("("))}${line.endsWith("nothing to do") ? " (no-op)" : ""}`);
    for (const answer of world.log.answers) bump(coverage.told, `${answer.request.op}:${answer.told}`);
    for (const order of state.orders.values()) bump(coverage.finalStatus, order.status);
    for (const steps of state.audit.values()) for (const step of steps) bump(coverage.auditSteps, step.kind === "claim" || step.kind === "webhook" || step.kind === "completer" ? `${step.kind}:${String(step.detail.outcome ?? step.detail.result ?? step.detail.action)}` : step.kind);
    const violations = results.flatMap((result) => result.violations);
    if (violations.length === 0 && world.errors.length === 0) return;
    throw new PropertyViolation(
      [...new Set([...violations.map((v) => v.invariant), ...(world.errors.length ? [0] : [])])],
      [
        ...violations.map((v) => `invariant ${v.invariant}: ${v.message} ${JSON.stringify(v.subject)}`),
        ...world.errors.map((error) => `unexpected error: ${error}`),
        `settled: ${settled.settledAfterRounds === null ? `no (${JSON.stringify(settled.unsettled)})` : `after ${settled.settledAfterRounds} round(s)`}`,
        "trace:",
        ...world.trace.map((line) => `  ${line}`),
      ].join("\n"),
    );
  } finally {
    endRun();
  }
}

export async function checkProperty(options: PropertyOptions): Promise<fc.RunDetails<[fc.Scheduler, Iterable<fc.AsyncCommand<Model, World, false>>]>> {
  const property = fc.asyncProperty(
    fc.scheduler({ act: quietAct }),
    fc.commands(commandArbitraries({ faults: options.faults ?? ALL_FAULTS, include: options.include }), { maxCommands: options.maxCommands, size: "max" }),
    oneRun,
  );
  return fc.check(property, {
    seed: options.seed,
    numRuns: options.numRuns,
    path: options.path,
    // The whole check, shrinking included, stays within the time given; what it found by then is
    // reported. No limit (Infinity): the runs asked for all run, however slow the machine.
    interruptAfterTimeLimit: Number.isFinite(options.timeLimitMs) ? options.timeLimitMs : undefined,
    markInterruptAsFailure: false,
    endOnFailure: options.endOnFailure,
  });
}

/** Options from the environment: PROPERTY_SEED and PROPERTY_PATH replay a failure, PROPERTY_RUNS widens a run. */
export function optionsFromEnv(defaults: { numRuns: number; timeLimitMs: number }): PropertyOptions {
  const seed = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  return {
    seed,
    numRuns: process.env.PROPERTY_RUNS ? Number(process.env.PROPERTY_RUNS) : defaults.numRuns,
    maxCommands: process.env.PROPERTY_MAX_COMMANDS ? Number(process.env.PROPERTY_MAX_COMMANDS) : 14,
    timeLimitMs: process.env.PROPERTY_TIME_LIMIT_MS ? Number(process.env.PROPERTY_TIME_LIMIT_MS) : defaults.timeLimitMs,
    path: process.env.PROPERTY_PATH || undefined,
    include: includeFromEnv(process.env.PROPERTY_INCLUDE_OPEN),
  };
}

/** PROPERTY_INCLUDE_OPEN=1 (all) or a comma list of OPEN_BREACHES names. */
function includeFromEnv(raw: string | undefined): OpenBreach[] {
  if (!raw) return [];
  const all = Object.keys(OPEN_BREACHES) as OpenBreach[];
  return raw === "1" || raw === "all" ? all : raw.split(",").filter((name): name is OpenBreach => all.includes(name as OpenBreach));
}
