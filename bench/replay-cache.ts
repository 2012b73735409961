import { readFileSync } from "node:fs";
import type { PrismaClient } from "../lib/generated/prisma/client.ts";
import type { DatabaseKind } from "./config.ts";
import type { DatabaseResults } from "./results-types.ts";
import { latency, spread, type Spread } from "./stats.ts";

/**
 * The seeds' claim ("a Redis lookup adds a millisecond or two") against this shop's own replay
 * read, side by side in one run. An API replay is one database statement today, the checkout's
 * look: it checks the API key, reads the finished record and its fingerprint, and writes the
 * replay's step on the order's timeline. A Redis cache that kept all of that holds the key's
 * client and the stored answer (one MGET, JSON.parse, the same checks plus expiresAt) and still
 * writes the timeline step to the database (one INSERT): a cache can only take the reads off the
 * replay's one round trip, not the round trip itself. Only this differs between the two, so only
 * this is measured, in process: latency per replay, and CPU per replay of this process plus the
 * servers answering it (the PostgreSQL backend of the one connection; a redis-server of the
 * bench's own), from /proc. The verdict sets what the cache could save against a whole replay
 * request's p50 and CPU, from the same run's HTTP numbers.
 */

export type ReplayCacheSettings = { reads: number; warmup: number; rounds: number };

export type ReplayReadResult = {
  name: string;
  p50: Spread;
  p99: Spread;
  /** CPU ms per read of this process (on PGlite, the embedded database's work included). */
  appCpuMs: Spread;
  /** CPU ms per read of the server process; null when it runs in this process or cannot be read. */
  serverCpuMs: Spread | null;
};

export type ReplayCacheResult = { database: ReplayReadResult; redis: ReplayReadResult; serverCpuNote: string | null };

/** Whether a REPLAY_CACHE=redis flag would pay for a second store (issue 16): p50 ≥ 20 % lower, CPU per request no higher. */
export type ReplayCacheVerdict = {
  replayP50Ms: number;
  replayCpuMs: number;
  savedP50Ms: number;
  savedP50Share: number;
  savedCpuMs: number;
  pays: boolean;
};
export const REPLAY_CACHE_TARGET = 0.2;

/** `serverPids`: the server processes answering (their CPU is summed); empty when one runs in this process. */
type Side = { read: () => Promise<unknown>; serverPids: number[] };
type Round = { p50: number; p99: number; appCpuMs: number; serverCpuMs: number | null };

const TICKS_PER_MS = 100 / 1000; // Linux USER_HZ is 100 on every machine this runs on
/** utime + stime of a process, in ms; null when /proc has no such process (a remote server). */
function processCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_MS;
  } catch {
    return null;
  }
}

function serversCpuMs(pids: number[]): number | null {
  const each = pids.map(processCpuMs);
  return pids.length > 0 && each.every((ms) => ms !== null) ? each.reduce((sum: number, ms) => sum + ms!, 0) : null;
}

async function measure(side: Side, settings: ReplayCacheSettings): Promise<Round> {
  for (let i = 0; i < settings.warmup; i++) await side.read();
  const samples: number[] = [];
  const appBefore = process.cpuUsage();
  const serverBefore = serversCpuMs(side.serverPids);
  for (let i = 0; i < settings.reads; i++) {
    const started = performance.now();
    await side.read();
    samples.push(performance.now() - started);
  }
  const app = process.cpuUsage(appBefore);
  const serverAfter = serversCpuMs(side.serverPids);
  const { p50, p99 } = latency(samples);
  const serverCpuMs = serverBefore === null || serverAfter === null ? null : (serverAfter - serverBefore) / settings.reads;
  return { p50, p99, appCpuMs: (app.user + app.system) / 1000 / settings.reads, serverCpuMs };
}

function summarise(name: string, rounds: Round[]): ReplayReadResult {
  const server = rounds.map((r) => r.serverCpuMs);
  return {
    name,
    p50: spread(rounds.map((r) => r.p50)),
    p99: spread(rounds.map((r) => r.p99)),
    appCpuMs: spread(rounds.map((r) => r.appCpuMs)),
    serverCpuMs: server.every((ms): ms is number => ms !== null) ? spread(server) : null,
  };
}

/** The PostgreSQL backend serving this one-connection client, if it is a process on this machine. */
async function backendPid(prisma: PrismaClient, kind: DatabaseKind): Promise<{ pid: number | null; note: string | null }> {
  if (kind === "pglite") return { pid: null, note: "PGlite answers inside this process: its CPU is in the app column" };
  const [row] = await prisma.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  const pid = Number(row!.pid);
  let comm = "";
  try {
    comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    // not on this machine
  }
  return comm.startsWith("postgres") ? { pid, note: null } : { pid: null, note: "the PostgreSQL backend is not a process on this machine: its CPU is not counted" };
}

/**
 * Measures both reads on one database (migrated, seeded; `url`) and one Redis (`redisUrl`, with
 * `redisPid` the server's process), rounds alternating so drift on a shared machine hits both.
 */
export async function replayCacheBench(kind: DatabaseKind, url: string, redis: { url: string; pid: number }, settings: ReplayCacheSettings): Promise<ReplayCacheResult> {
  const { connectRedis } = await import("../lib/lab/redis-guard.ts");
  // lib/db.ts makes the process's own client when it is first imported (it never connects here).
  process.env.DATABASE_URL ||= url;
  const { createDb } = await import("../lib/db.ts");
  const { lookUp } = await import("../lib/checkout/statements/look-up.ts");
  const { sha256 } = await import("../lib/hash.ts");
  const { sql } = await import("../lib/sql.ts");
  const { dbNow } = await import("../lib/db-clock.ts");
  const { Prisma } = await import("../lib/generated/prisma/client.ts");
  // One connection each, so the server process that answers is known and its CPU can be read. The
  // look runs on this client's pool as the app runs it (lib/sql.ts).
  const prisma = createDb(url, { connections: 1 });
  const client = await connectRedis(redis.url);
  try {
    const apiKey = `replay-bench-${kind}-${Date.now()}`;
    const { id: clientId } = await prisma.apiClient.create({ data: { name: `bench replay cache ${apiKey}`, keyHash: sha256(apiKey) } });
    const scope = `api:${clientId}`;
    const key = apiKey;
    const fingerprint = "f".repeat(64);
    const body = JSON.stringify({ order: { id: "ord_bench", status: "paid", totalCents: 3200, currency: "usd", items: [{ slug: "stoneware-mug", quantity: 2, unitPriceCents: 1600 }], paymentIntentId: "pi_bench" } });
    const expiresAt = new Date(Date.now() + 24 * 60 * 60 * 1000);
    const cacheKey = `replay:${scope}:${key}`;
    const clientKey = `api-client:${sha256(apiKey)}`;
    await prisma.idempotencyRecord.create({ data: { scope, key, fingerprint, recoveryPoint: "finished", responseStatus: 201, responseText: body, expiresAt } });
    await client.set(clientKey, JSON.stringify({ id: clientId }));
    await client.set(cacheKey, JSON.stringify({ scope, fingerprint, status: 201, body, expiresAt: expiresAt.toISOString() }), { expiration: { type: "PXAT", value: expiresAt.getTime() } });
    const backend = await backendPid(prisma, kind);

    const database: Side = {
      serverPids: backend.pid === null ? [] : [backend.pid],
      read: async () => {
        const look = await lookUp(prisma, { caller: { kind: "apiKey", apiKey }, key, source: { kind: "items", items: [] } }, { key, fingerprint }, { withLines: true, lockTimeoutMs: 30_000, unscoped: false });
        if (look.record?.outcome !== "replayed") throw new Error("no replay from the database");
      },
    };
    const cached: Side = {
      serverPids: backend.pid === null ? [redis.pid] : [redis.pid, backend.pid],
      read: async () => {
        const [caller, raw] = await client.mGet([clientKey, cacheKey]);
        const callerScope = caller ? `api:${(JSON.parse(caller) as { id: string }).id}` : null;
        const entry = raw ? (JSON.parse(raw) as { scope: string; fingerprint: string; status: number; body: string; expiresAt: string }) : null;
        if (!entry || entry.scope !== callerScope || entry.fingerprint !== fingerprint || Date.parse(entry.expiresAt) <= Date.now()) throw new Error("no replay from Redis");
        JSON.parse(entry.body);
        // The replay's step on the timeline, as the look writes it.
        await sql.query(prisma, Prisma.sql`
          INSERT INTO "AuditEvent" (at, scope, "orderId", kind, detail)
          VALUES (${dbNow}, ${callerScope}, NULL, 'claim', jsonb_build_object('outcome', 'replayed', 'key', ${key}::text, 'status', ${entry.status}::int))`);
      },
    };
    const rounds: { database: Round[]; redis: Round[] } = { database: [], redis: [] };
    for (let round = 0; round < settings.rounds; round++) {
      rounds.database.push(await measure(database, settings));
      rounds.redis.push(await measure(cached, settings));
    }
    await client.del(cacheKey);
    return {
      database: summarise(`${kind === "pglite" ? "PGlite" : "PostgreSQL"} the look (one statement, today)`, rounds.database),
      redis: summarise("Redis cache (MGET + the same checks) + the timeline step's INSERT", rounds.redis),
      serverCpuNote: backend.note,
    };
  } finally {
    await client.destroy();
    await prisma.$disconnect();
  }
}

/** A redis-server of the bench's own (never the shared one: its CPU per read could not be told from other clients' work). */
export async function startBenchRedis(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const { connectRedis, PrivateRedis } = await import("../lib/lab/redis-guard.ts");
  const server = await PrivateRedis.start();
  try {
    const client = await connectRedis(server.url);
    const pid = Number((await client.info("server")).match(/process_id:(\d+)/)![1]);
    await client.destroy();
    return { url: server.url, pid, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

const totalCpu = (read: ReplayReadResult) => read.appCpuMs.median + (read.serverCpuMs?.median ?? 0);

/** What a Redis replay cache could take off a whole replay request (replay-1: one connection) of the same run. */
export function replayCacheVerdict(db: DatabaseResults): ReplayCacheVerdict | undefined {
  const reads = db.replayCache?.ok ? db.replayCache.value : undefined;
  const replay = db.checkout?.ok ? db.checkout.value.find((s) => s.id === "replay-1")?.summary : undefined;
  if (!reads || !replay) return undefined;
  const savedP50Ms = reads.database.p50.median - reads.redis.p50.median;
  const savedCpuMs = totalCpu(reads.database) - totalCpu(reads.redis);
  const replayP50Ms = replay.p50.median;
  const replayCpuMs = replay.appCpuMs.median + replay.ownerCpuMs.median;
  const savedP50Share = savedP50Ms / replayP50Ms;
  // CPU per request "no higher": the cache must not cost more CPU than the read it replaces.
  return { replayP50Ms, replayCpuMs, savedP50Ms, savedP50Share, savedCpuMs, pays: savedP50Share >= REPLAY_CACHE_TARGET && savedCpuMs >= 0 };
}

/** The markdown section: both reads per database, then the verdict against the same run's replay requests. */
export function renderReplayCache(dbs: DatabaseResults[], settings: ReplayCacheSettings, skipped: string | undefined, line: (text?: string) => void): void {
  const num = (value: number, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : "–");
  const range = (s: Spread) => `${num(s.median)} [${num(s.min)}–${num(s.max)}]`;
  line("## Replay: a Redis cache versus the database read");
  line();
  line(`The seeds offer Redis as the replay store. Here a replay's read alone, in process, two ways: the look the checkout does today (lib/checkout/statements/look-up.ts: one statement that checks the API key, reads the finished record and writes the replay's timeline step), and a Redis cache that keeps all of that (one MGET of the key's client and the stored answer, the same checks, and the timeline step's INSERT, which stays in the database), against a redis-server of the bench's own. A cache can take the reads off the replay's one round trip, not the round trip. ` +
    `${settings.reads} sequential reads per round after ${settings.warmup} of warm-up, ${settings.rounds} ${settings.rounds === 1 ? "round" : "rounds alternating"}; median [min–max] over the rounds. CPU per replay: this process, and the server processes answering (the one connection's PostgreSQL backend; redis-server), from /proc. ` +
    `A REPLAY_CACHE=redis flag would pay only if it took ≥ ${REPLAY_CACHE_TARGET * 100} % off a replay request's p50 (the HTTP "(b) replay" row at 1 connection of the same database) without raising its CPU per request.`);
  line();
  if (skipped) {
    line(`Skipped: ${skipped}`);
    line();
    return;
  }
  for (const db of dbs) {
    if (db.skipped || !db.replayCache) continue;
    line(`### ${db.label}`);
    line();
    if (!db.replayCache.ok) {
      line(`**No numbers: ${db.replayCache.error}**`);
      line();
      continue;
    }
    const r = db.replayCache.value;
    line("| Replay answered from | p50 ms | p99 ms | App CPU ms/replay | Servers CPU ms/replay | Total CPU ms/replay |");
    line("| --- | --- | --- | --- | --- | --- |");
    for (const read of [r.database, r.redis]) line(`| ${read.name} | ${range(read.p50)} | ${num(read.p99.median)} | ${num(read.appCpuMs.median)} | ${read.serverCpuMs ? num(read.serverCpuMs.median) : "–"} | ${num(totalCpu(read))} |`);
    line();
    if (r.serverCpuNote) {
      line(`Server CPU: ${r.serverCpuNote}.`);
      line();
    }
    const v = replayCacheVerdict(db);
    const lower = 1 - r.redis.p50.median / r.database.p50.median;
    line(`The replay's database work alone: the cache p50 ${num(Math.abs(lower) * 100, 0)} % ${lower >= 0 ? "lower" : "higher"}, total CPU ${num(totalCpu(r.redis))} against ${num(totalCpu(r.database))} ms per replay. ` +
      (v
        ? `A replay request took ${num(v.replayP50Ms, 2)} ms p50 and ${num(v.replayCpuMs, 2)} ms CPU in this run; the cache could take at most ${num(v.savedP50Ms)} ms (${num(v.savedP50Share * 100, 0)} %) and ${num(v.savedCpuMs)} ms of CPU off it: ` +
          `${v.pays ? `**it would pay** (≥ ${REPLAY_CACHE_TARGET * 100} %)` : `it does not pay (under ${REPLAY_CACHE_TARGET * 100} %), and no REPLAY_CACHE flag is offered`}.`
        : "No replay request numbers from this run to set it against."));
    line();
  }
}
