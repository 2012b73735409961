import { runAlone, writeSectionAlone } from "./alone.ts";
import { createTestDatabase, postgresReachable } from "../test/setup/database.ts";
import { FULL } from "./config.ts";
import { replayCacheBench, renderReplayCache, startBenchRedis } from "./replay-cache.ts";
import type { DatabaseResults } from "./results-types.ts";

/**
 * `npm run bench:replay-cache`: `npm run bench`'s Redis-versus-database replay section alone, on
 * PostgreSQL, in under a minute (bench/results/replay-cache.md). Without the HTTP runs it has no
 * replay request to set the read against: the verdict is in the full run's latest.md.
 */
async function main() {
  if (!(await postgresReachable())) throw new Error("needs PostgreSQL (TEST_POSTGRES_URL or 127.0.0.1:5432)");
  const database = await createTestDatabase("postgres");
  // lib/db.ts builds the app's global client on import and insists on a URL (never used here).
  process.env.DATABASE_URL ||= database.url;
  const redis = await startBenchRedis();
  try {
    const result: DatabaseResults = { kind: "postgres", label: "PostgreSQL", replayCache: { ok: true, value: await replayCacheBench("postgres", database.url, redis, FULL.replayCache) } };
    const out: string[] = [];
    renderReplayCache([result], FULL.replayCache, undefined, (text = "") => out.push(text));
    writeSectionAlone("bench:replay-cache", "bench/results/replay-cache.md", out);
  } finally {
    await redis.stop();
    await database.close();
  }
}

runAlone(main);
