import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildIfStale } from "../e2e/support/build.ts";
import type { PrismaClient } from "../lib/generated/prisma/client.ts";
import { createTestDatabase, postgresReachable, POSTGRES_ADMIN_URL, type TestDatabase } from "../test/setup/database.ts";
import { anatomy } from "./anatomy.ts";
import { auditStack } from "./audit.ts";
import { FULL, SMOKE, type DatabaseKind } from "./config.ts";
import { growthBench } from "./growth.ts";
import { checkoutSuite } from "./http-checkout.ts";
import { layerBench } from "./layer.ts";
import { leanResults } from "./lean.ts";
import { databaseVersion, describeMachine } from "./machine.ts";
import { prismaFor } from "./prisma.ts";
import { replayCacheBench, replayCacheVerdict, startBenchRedis } from "./replay-cache.ts";
import { writeResults } from "./report.ts";
import type { DatabaseResults, Results, Section } from "./results-types.ts";
import type { ScenarioResult } from "./runs.ts";
import { startStack, type Stack, type Target } from "./stack.ts";
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
    failures.push(...failuresOf(value).map((failure) => `${name}: ${failure}`));
    return { ok: true, value };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failures.push(`${name}: ${message}`);
    log(`  FAILED: ${message}`);
    return { ok: false, error: message };
  }
}

/** One database's share of a benchmark run on all of them. */
const share = <T>(all: Section<Map<string, T>>, kind: DatabaseKind): Section<T> => (all.ok ? { ok: true, value: all.value.get(kind)! } : all);

const runFailures = (all: Map<string, ScenarioResult[]>) =>
  [...all].flatMap(([name, scenarios]) => scenarios.flatMap((s) => s.runs.flatMap((run, i) => (run.ok ? [] : [`${name} ${s.id} run ${i + 1}: ${run.violations.join("; ")}`]))));

const running: { kind: DatabaseKind; stack: Stack; database: TestDatabase | null }[] = [];
process.on("SIGINT", () => void Promise.all(running.map((r) => r.stack.stop())).finally(() => process.exit(130)));

log(`[${elapsed()}] ${config.mode} benchmark on ${machine.cpus} × ${machine.cpuModel}, load average ${os.loadavg()[0]!.toFixed(2)}`);
const buildStarted = performance.now();
buildIfStale();
const buildSeconds = (performance.now() - buildStarted) / 1000;

const databases: DatabaseResults[] = [];
const kinds: DatabaseKind[] = [];
for (const kind of config.databases) {
  const result: DatabaseResults = { kind, label: LABELS[kind] };
  databases.push(result);
  if (kind === "postgres" && !(await postgresReachable())) {
    result.skipped = `no PostgreSQL answered at ${POSTGRES_ADMIN_URL}`;
    log(`[${elapsed()}] ${result.skipped}: skipped`);
  } else kinds.push(kind);
}
const resultOf = (kind: DatabaseKind) => databases.find((db) => db.kind === kind)!;

/**
 * The Redis replay cache comparison needs a redis-server of its own. Without one it is skipped
 * with the reason, except on CI, where a comparison silently left out fails the run. (Started
 * after prismaFor: the lab's Redis module imports lib/db, whose global client takes the first URL.)
 */
async function startReplayCacheRedis() {
  try {
    return await startBenchRedis();
  } catch (error) {
    replayCacheSkipped = `no redis-server could be started (${error instanceof Error ? error.message : String(error)}): install Redis, or point REDIS_SERVER_BIN at its redis-server`;
    const onCi = process.env.CI === "true";
    if (onCi) failures.push(`replay cache: ${replayCacheSkipped} (CI=true: a missing Redis fails the run)`);
    log(`[${elapsed()}] replay cache: ${replayCacheSkipped}: ${onCi ? "FAILED (CI=true)" : "skipped"}`);
    return null;
  }
}
let replayCacheSkipped: string | undefined;
let benchRedis: Awaited<ReturnType<typeof startBenchRedis>> | null = null;

// In-process benchmarks, each database fresh, migrated and seeded for them alone.
const inProcess: { kind: DatabaseKind; database: TestDatabase; db: PrismaClient }[] = [];
let anatomySection: Results["anatomy"];
try {
  for (const kind of kinds) {
    const database = await createTestDatabase(kind);
    machine.databases[kind] = await databaseVersion(database.url);
    inProcess.push({ kind, database, db: await prismaFor(database.url) });
  }
  benchRedis = await startReplayCacheRedis();
  // lib/db's global client (which the route handlers use) points at the first of these databases.
  // First: the app reads its configuration once per process (lib/env.ts), and anatomy sets the
  // Stripe URL it needs before that; the layer's settle statement reads it (lib/orders.ts).
  anatomySection = await section("round trips per request", () => anatomy());
  const layer = await section("idempotency layer", () => layerBench(inProcess.map(({ kind, db, database }) => ({ name: kind, db, url: database.url })), config.layer, log));
  for (const { kind, db, database } of inProcess) {
    resultOf(kind).layer = share(layer, kind);
    resultOf(kind).growth = await section(`${kind} growth`, () => growthBench(db, database.url, config.growth[kind], log), (g) =>
      g.points.filter((p) => !p.lookupUsesIndex).map((p) => `key lookup not index-backed at ${p.rows} rows: ${p.lookupPlan}`),
    );
    const redis = benchRedis;
    if (redis) resultOf(kind).replayCache = await section(`${kind} replay cache`, () => replayCacheBench(kind, database.url, redis, config.replayCache));
  }
} finally {
  for (const { db, database } of inProcess) {
    await db.$disconnect();
    await database.close();
  }
  await benchRedis?.stop();
}

// HTTP benchmarks: one whole stack per database, all up at once, taking turns.
try {
  for (const kind of kinds) {
    const database = kind === "postgres" ? await createTestDatabase("postgres") : null;
    log(`[${elapsed()}] ${kind}: starting the stack`);
    const stack = await startStack({ databaseUrl: database?.url, logFile: path.join(RAW, `stack-${kind}.log`) }).catch(async (error: unknown) => {
      await database?.close();
      throw error;
    });
    running.push({ kind, stack, database });
  }
  const targets: Target[] = running.map(({ kind, stack }) => ({ name: kind, stack }));
  const checkout = await section("checkout over HTTP", () => checkoutSuite(targets, config.checkout, log), runFailures);
  const webhooks = await section("webhooks", () => webhookSuite(targets, config.webhooks, log), runFailures);
  for (const { kind, stack } of running) {
    const result = resultOf(kind);
    result.checkout = share(checkout, kind);
    result.webhooks = share(webhooks, kind);
    result.audit = await section(`${kind} audit`, () => auditStack(stack), (audit) => audit.violations);
    if (result.audit.ok && result.audit.value.violations.length > 0) {
      // The books don't balance: no HTTP number from this stack can be trusted.
      const error = `withheld: the audit after the runs failed (${result.audit.value.violations.join("; ")})`;
      result.checkout = { ok: false, error };
      result.webhooks = { ok: false, error };
    }
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  failures.push(`stack: ${message}`);
  log(`  FAILED: ${message}`);
} finally {
  for (const { stack, database } of running.splice(0)) {
    await stack.stop();
    await database?.close();
  }
}

for (const db of databases) db.replayCacheVerdict = replayCacheVerdict(db);
machine.loadAverage.end = os.loadavg()[0]!;
const results: Results = { mode: config.mode, startedAt, durationSeconds: (performance.now() - started) / 1000, buildSeconds, machine, settings: config, anatomy: anatomySection, databases, replayCacheSkipped, failures };
results.lean = leanResults(results);
const stamp = startedAt.replace(/[:.]/g, "-");
const written = config.mode === "full" ? [...writeResults(results, RESULTS, "latest"), ...writeResults(results, RAW, `full-${stamp}`)] : writeResults(results, RAW, "smoke");
log(`[${elapsed()}] wrote ${written.join(", ")}`);
if (failures.length > 0) {
  console.error(`\n${failures.length} correctness failure(s):\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  process.exit(1);
}
log("All runs correct.");
process.exit(0);
