import pg from "pg";
import { describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "../../scripts/db/embedded.ts";
import { applyMigrations } from "../../scripts/db/migrations.ts";

describe("migrations", () => {
  it("apply once and are a no-op the second time, recorded in Prisma's own table", async () => {
    const database = await startEmbeddedDatabase({ dataDir: "memory://" });
    try {
      const first = await applyMigrations(database.url);
      expect(first.length).toBeGreaterThan(0);
      expect(await applyMigrations(database.url)).toEqual([]);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query("SELECT migration_name, finished_at IS NOT NULL AS done FROM _prisma_migrations ORDER BY migration_name");
      await client.end();
      expect(rows).toEqual(first.map((name) => ({ migration_name: name, done: true })));
    } finally {
      await database.close();
    }
  });
});
