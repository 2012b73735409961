import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildIfStale } from "../e2e/support/build.ts";
import { createTestDatabase, postgresReachable, POSTGRES_ADMIN_URL, type TestDatabase } from "../test/setup/database.ts";
import { auditStack } from "./audit.ts";
import { FULL, SMOKE, type DatabaseKind } from "./config.ts";
import { growthBench } from "./growth.ts";
import { checkoutSuite } from "./http-checkout.ts";
import { layerBench } from "./layer.ts";
import { databaseVersion, describeMachine } from "./machine.ts";
import { prismaFor } from "./prisma.ts";
import { writeResults } from "./report.ts";
import type { DatabaseResults, Results, Section } from "./results-types.ts";
import { startStack, type Stack } from "./stack.ts";
import { webhookSuite } from "./webhooks.ts";

/**
 * `npm run bench` (full, both databases, results in bench/results/latest.{json,md}) and
 * `npm run bench:smoke` (tiny, embedded database only, results in bench/results/raw/): the cost
 * of exactly-once, side by side. Exits non-zero if any run broke an invariant.
 */
const config = process.argv.includes("--smoke") ? SMOKE : FULL;
const RESULTS = path.join("bench", "results");
const RAW = path.join(RESULTS, "raw");
mkdirSync(RAW, { recursive: true });

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const log = (text: string) => console.log(text);
const failures: string[] = [];
const machine = describeMachine();
const startedAt = new Date().toISOString();
const LABELS: Record<DatabaseKind, string> = { pglite: "PGlite (embedded default)", postgres: "PostgreSQL" };

/** Runs one benchmark; an exception (a broken invariant included) becomes a failure without numbers. */
async function section<T>(name: string, fn: () => Promise<T>, failuresOf: (value: T) => string[] = () => []): Promise<Section<T>> {
  log(`[${elapsed()}] ${name}`);
  try {
    const value = await fn();
    const broken = failuresOf(value);
    failures.push(...broken.map((failure) => `${name}: ${failure}`));
    return { ok: true, value };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failures.push(`${name}: ${message}`);
    log(`  FAILED: ${message}`);
    return { ok: false, error: message };
  }
}

const runFailures = (scenarios: { id: string; runs: ({ ok: true } | { ok: false; violations: string[] })[] }[]) =>
  scenarios.flatMap((s) => s.runs.flatMap((run, i) => (run.ok ? [] : [`${s.id} run ${i + 1}: ${run.violations.join("; ")}`])));

let stopping: Stack | undefined;
process.on("SIGINT", () => void stopping?.stop().finally(() => process.exit(130)));

log(`[${elapsed()}] ${config.mode} benchmark on ${machine.cpus} × ${machine.cpuModel}, load average ${os.loadavg()[0]!.toFixed(2)}`);
const buildStarted = performance.now();
buildIfStale();
const buildSeconds = (performance.now() - buildStarted) / 1000;

const databases: DatabaseResults[] = [];
for (const kind of config.databases) {
  const result: DatabaseResults = { kind, label: LABELS[kind] };
  databases.push(result);
  if (kind === "postgres" && !(await postgresReachable())) {
    result.skipped = `no PostgreSQL answered at ${POSTGRES_ADMIN_URL}`;
    log(`[${elapsed()}] ${result.skipped}: skipped`);
    continue;
  }

  // In-process benchmarks on a fresh migrated, seeded database of their own.
  const database = await createTestDatabase(kind);
  machine.databases[kind] = await databaseVersion(database.url);
  const db = await prismaFor(database.url);
  try {
    result.layer = await section(`${kind} idempotency layer`, () => layerBench(db, config.layer, log));
    result.growth = await section(`${kind} growth`, () => growthBench(db, database.url, config.growth[kind], log), (g) => g.points.filter((p) => !p.lookupUsesIndex).map((p) => `key lookup not index-backed at ${p.rows} rows: ${p.lookupPlan}`));
  } finally {
    await db.$disconnect();
    await database.close();
  }

  // HTTP benchmarks on the whole stack with a database of its own.
  let stackDatabase: TestDatabase | null = null;
  let stack: Stack | undefined;
  try {
    stackDatabase = kind === "postgres" ? await createTestDatabase("postgres") : null;
    log(`[${elapsed()}] ${kind}: starting the stack`);
    stack = stopping = await startStack({ databaseUrl: stackDatabase?.url, logFile: path.join(RAW, `stack-${kind}.log`) });
    const live = stack;
    result.checkout = await section(`${kind} checkout over HTTP`, () => checkoutSuite(live, config.checkout, log), runFailures);
    result.webhooks = await section(`${kind} webhooks`, () => webhookSuite(live, config.webhooks, log), runFailures);
    result.audit = await section(`${kind} audit`, () => auditStack(live), (audit) => audit.violations);
    if (result.audit.ok && result.audit.value.violations.length > 0) {
      // The books don't balance: no HTTP number from this stack can be trusted.
      const error = `withheld: the audit after the runs failed (${result.audit.value.violations.join("; ")})`;
      result.checkout = { ok: false, error };
      result.webhooks = { ok: false, error };
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failures.push(`${kind} stack: ${message}`);
    log(`  FAILED: ${message}`);
  } finally {
    await stack?.stop();
    stopping = undefined;
    await stackDatabase?.close();
  }
}

machine.loadAverage.end = os.loadavg()[0]!;
const results: Results = { mode: config.mode, startedAt, durationSeconds: (performance.now() - started) / 1000, buildSeconds, machine, settings: config, databases, failures };
const stamp = startedAt.replace(/[:.]/g, "-");
const written = config.mode === "full" ? [...writeResults(results, RESULTS, "latest"), ...writeResults(results, RAW, `full-${stamp}`)] : writeResults(results, RAW, "smoke");
log(`[${elapsed()}] wrote ${written.join(", ")}`);
if (failures.length > 0) {
  console.error(`\n${failures.length} correctness failure(s):\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  process.exit(1);
}
log("All runs correct.");
process.exit(0);
