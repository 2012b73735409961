import { randomBytes } from "node:crypto";
import pg from "pg";
import { seed } from "../../prisma/seed.ts";
import { startEmbeddedDatabase } from "../../scripts/db/embedded.ts";
import { applyMigrations } from "../../scripts/db/migrations.ts";

export type TestDatabase = { url: string; kind: "pglite" | "postgres"; close: () => Promise<void> };

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/**
 * A fresh, migrated, seeded database for one test run: an in-memory embedded PGlite by default,
 * or a new database on the PostgreSQL server when TEST_DATABASE=postgres.
 */
export async function createTestDatabase(kind = process.env.TEST_DATABASE === "postgres" ? "postgres" : "pglite"): Promise<TestDatabase> {
  if (kind === "pglite") {
    const embedded = await startEmbeddedDatabase({ dataDir: "memory://" });
    await applyMigrations(embedded.url);
    await seed(embedded.url);
    return { url: embedded.url, kind: "pglite", close: embedded.close };
  }
  const name = `checkout_test_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString());
  await seed(url.toString());
  return {
    url: url.toString(),
    kind: "postgres",
    close: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}
