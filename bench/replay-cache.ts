import { readFileSync, writeFileSync } from "node:fs";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../lib/generated/prisma/client.ts";
import { createTestDatabase, postgresReachable } from "../test/setup/database.ts";
import { latency, round } from "./stats.ts";

/**
 * `npm run bench:replay-cache`: the seeds' claim ("a Redis lookup adds a millisecond or two")
 * against this shop's own replay read, side by side in one run. A replay is answered either from
 * the indexed PostgreSQL read the checkout does today (findFinished: one findUnique on (scope,
 * key), fingerprint and recovery point checked) or from a Redis cache holding the same stored
 * answer (GET, JSON.parse, the same checks plus expiresAt). Only the read differs, so only the
 * read is measured, in process: latency per read, and CPU per read of the app process plus the
 * server answering it (the PostgreSQL backend of the one connection, a redis-server of the
 * bench's own), read from /proc. The verdict (README, "What it costs") sets what the cache could
 * save against a whole replay request's p50 and CPU from `npm run bench`.
 */
const N = Number(process.env.REPLAY_BENCH_N ?? 3000);
const WARMUP = 300;
const ROUNDS = 3;

type Side = { name: string; read: () => Promise<unknown>; serverPid: number };

const TICKS_PER_MS = 100 / 1000; // Linux USER_HZ is 100 on every machine this runs on
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_MS; // utime + stime, in ticks → ms
}

async function measure(side: Side) {
  for (let i = 0; i < WARMUP; i++) await side.read();
  const samples: number[] = [];
  const appBefore = process.cpuUsage();
  const serverBefore = processCpuMs(side.serverPid);
  for (let i = 0; i < N; i++) {
    const started = performance.now();
    await side.read();
    samples.push(performance.now() - started);
  }
  const app = process.cpuUsage(appBefore);
  const serverMs = processCpuMs(side.serverPid) - serverBefore;
  const { p50, p99 } = latency(samples);
  return { p50, p99, appCpuMs: (app.user + app.system) / 1000 / N, serverCpuMs: serverMs / N };
}

async function main() {
  if (!(await postgresReachable())) throw new Error("needs PostgreSQL (TEST_POSTGRES_URL or 127.0.0.1:5432)");
  const database = await createTestDatabase("postgres");
  // lib/db.ts builds the app's global client on import and insists on a URL (never used here).
  process.env.DATABASE_URL ||= database.url;
  const { connectRedis, PrivateRedis } = await import("../lib/lab/redis-guard.ts");
  const { findFinished } = await import("../lib/idempotency.ts");
  const redisServer = await PrivateRedis.start();
  // One connection each, so the server process that answers is known and its CPU can be read.
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 1 }) });
  const redis = await connectRedis(redisServer.url);
  try {
    const scope = "api:bench";
    const key = "replay-bench-key";
    const fingerprint = "f".repeat(64);
    const body = JSON.stringify({ order: { id: "ord_bench", status: "paid", totalCents: 3200, currency: "usd", items: [{ slug: "stoneware-mug", quantity: 2, unitPriceCents: 1600 }], paymentIntentId: "pi_bench" } });
    const expiresAt = new Date(Date.now() + 24 * 60 * 60 * 1000);
    await prisma.idempotencyRecord.create({ data: { scope, key, fingerprint, recoveryPoint: "finished", responseStatus: 201, responseText: body, expiresAt } });
    await redis.set(`replay:${scope}:${key}`, JSON.stringify({ scope, fingerprint, status: 201, body, expiresAt: expiresAt.toISOString() }), { expiration: { type: "PXAT", value: expiresAt.getTime() } });
    const [backend] = await prisma.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const redisPid = Number((await redis.info("server")).match(/process_id:(\d+)/)![1]);

    const postgres: Side = {
      name: "PostgreSQL indexed read (findFinished, today)",
      serverPid: backend!.pid,
      read: async () => {
        const found = await findFinished(prisma, { scope, key, fingerprint });
        if (found?.kind !== "replay") throw new Error("no replay from PostgreSQL");
      },
    };
    const cached: Side = {
      name: "Redis cache (GET + the same checks)",
      serverPid: redisPid,
      read: async () => {
        const raw = await redis.get(`replay:${scope}:${key}`);
        const entry = raw ? (JSON.parse(raw) as { scope: string; fingerprint: string; status: number; body: string; expiresAt: string }) : null;
        if (!entry || entry.scope !== scope || entry.fingerprint !== fingerprint || Date.parse(entry.expiresAt) <= Date.now()) throw new Error("no replay from Redis");
        JSON.parse(entry.body);
      },
    };
    const results: Record<string, Awaited<ReturnType<typeof measure>>[]> = { [postgres.name]: [], [cached.name]: [] };
    // Alternate the two sides round by round, so drift on a shared machine hits both alike.
    for (let round = 0; round < ROUNDS; round++) for (const side of [postgres, cached]) results[side.name]!.push(await measure(side));
    const medianOf = (runs: Awaited<ReturnType<typeof measure>>[], field: keyof Awaited<ReturnType<typeof measure>>) => [...runs.map((run) => run[field])].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
    const rows = Object.entries(results).map(([name, runs]) => ({
      name,
      p50: medianOf(runs, "p50"),
      p99: medianOf(runs, "p99"),
      appCpuMs: medianOf(runs, "appCpuMs"),
      serverCpuMs: medianOf(runs, "serverCpuMs"),
    }));
    const [pg, rd] = rows as [(typeof rows)[number], (typeof rows)[number]];
    const p50Gain = 1 - rd.p50 / pg.p50;
    const cpuPg = pg.appCpuMs + pg.serverCpuMs;
    const cpuRd = rd.appCpuMs + rd.serverCpuMs;
    const lines = [
      "# Replay: Redis cache versus the indexed PostgreSQL read",
      "",
      `${new Date().toISOString()}, PostgreSQL (${database.url.replace(/\/\/[^@]*@/, "//").replace(/\/[^/]*$/, "/…")}), a private redis-server; ${N} sequential reads per round after ${WARMUP} of warm-up, ${ROUNDS} rounds alternating, medians of the rounds. \`npm run bench:replay-cache\`.`,
      "",
      "| Replay answered from | p50 ms | p99 ms | app CPU ms/read | server CPU ms/read | total CPU ms/read |",
      "| --- | --- | --- | --- | --- | --- |",
      ...rows.map((row) => `| ${row.name} | ${round(row.p50, 3)} | ${round(row.p99, 3)} | ${round(row.appCpuMs, 3)} | ${round(row.serverCpuMs, 3)} | ${round(row.appCpuMs + row.serverCpuMs, 3)} |`),
      "",
      `The read alone: Redis p50 ${round(p50Gain * 100, 0)} % ${p50Gain >= 0 ? "lower" : "higher"} than PostgreSQL's, total CPU ${round(cpuRd, 3)} ms against ${round(cpuPg, 3)} ms per read. ` +
        `A replay request is more than its read (HTTP, parsing, the timeline step it writes to PostgreSQL either way): at most ${round(pg.p50 - rd.p50, 3)} ms of a replay's p50 and ${round(cpuPg - cpuRd, 3)} ms of its CPU can go. Compare with the replay rows of bench/results/latest.md.`,
    ];
    const text = lines.join("\n") + "\n";
    console.log(text);
    writeFileSync("bench/results/replay-cache.md", text);
  } finally {
    await redis.destroy();
    await prisma.$disconnect();
    await redisServer.stop();
    await database.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
