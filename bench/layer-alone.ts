import { runAlone, writeSectionAlone } from "./alone.ts";
import type { PrismaClient } from "../lib/generated/prisma/client.ts";
import { createTestDatabase, postgresReachable, type TestDatabase } from "../test/setup/database.ts";
import { FULL, type DatabaseKind } from "./config.ts";
import { layerBench } from "./layer.ts";
import { prismaFor } from "./prisma.ts";
import { renderLayer } from "./report.ts";
import type { DatabaseResults } from "./results-types.ts";

const LABELS: Record<DatabaseKind, string> = { pglite: "PGlite (embedded default)", postgres: "PostgreSQL" };

/**
 * `npm run bench:layer`: `npm run bench`'s in-process section on the guard's writes alone (the
 * claim and settle statements against the naive place and settle), on both databases, in about a
 * minute (bench/results/layer.md). PostgreSQL is skipped with a note when none answers.
 */
async function main() {
  const kinds: DatabaseKind[] = (await postgresReachable()) ? ["pglite", "postgres"] : ["pglite"];
  const opened: { kind: DatabaseKind; database: TestDatabase; db: PrismaClient }[] = [];
  try {
    for (const kind of kinds) {
      const database = await createTestDatabase(kind);
      opened.push({ kind, database, db: await prismaFor(database.url) });
    }
    const layer = await layerBench(opened.map(({ kind, db, database }) => ({ name: kind, db, url: database.url })), FULL.layer, (text) => console.log(text));
    const results: DatabaseResults[] = FULL.databases.map((kind) =>
      kinds.includes(kind) ? { kind, label: LABELS[kind], layer: { ok: true, value: layer.get(kind)! } } : { kind, label: LABELS[kind], skipped: "no PostgreSQL answered (TEST_POSTGRES_URL or 127.0.0.1:5432)" },
    );
    const out: string[] = [];
    renderLayer(results, FULL.layer, (text = "") => out.push(text));
    writeSectionAlone("bench:layer", "bench/results/layer.md", out);
  } finally {
    for (const { db, database } of opened) {
      await db.$disconnect();
      await database.close();
    }
  }
}

runAlone(main);
