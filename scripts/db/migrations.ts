import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { MigrationList } from "@prisma/schema-engine-wasm/schema_engine_bg";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { openSchemaEngine } from "./schema-engine.ts";

const MIGRATIONS_DIR = path.resolve("prisma/migrations");
const SCHEMA_PATH = path.resolve("prisma/schema.prisma");
const NO_FILTERS = { externalTables: [], externalEnums: [] };

function readSchema(): string {
  return readFileSync(SCHEMA_PATH, "utf8");
}

/** The migrations folder in the shape Prisma's engine reads it (the same folder `prisma migrate` uses). */
function readMigrationsList(): MigrationList {
  const lockPath = path.join(MIGRATIONS_DIR, "migration_lock.toml");
  const directories = existsSync(MIGRATIONS_DIR)
    ? readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()
    : [];
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: directories.map((name) => ({
      path: name,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: readFileSync(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8") } },
    })),
  } as MigrationList;
}

/** Applies pending migrations and records them in `_prisma_migrations`; a second run applies nothing. */
export async function applyMigrations(url: string): Promise<string[]> {
  const engine = await openSchemaEngine(url, readSchema());
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: readMigrationsList(), filters: NO_FILTERS });
    return appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/**
 * Writes a new migration from the difference between the migrations folder and the schema,
 * as `prisma migrate dev --create-only` would. The engine replays the folder on a shadow
 * database, here an in-memory PGlite, so this needs neither a server nor Prisma's native engine.
 * (Introspection over the pg adapter cannot read PostgreSQL's internal "char" columns; the
 * PGlite adapter can.)
 */
export async function createMigration(name: string): Promise<string | null> {
  const scratch = await PGlite.create();
  const engine = await openSchemaEngine(new PrismaPGlite(scratch), readSchema());
  try {
    const { stdout } = await engine.diff({
      from: { tag: "migrations", ...readMigrationsList() },
      to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: readSchema() }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    if (!stdout || !/\b(CREATE|ALTER|DROP)\b/.test(stdout)) return null;
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const folder = path.join(MIGRATIONS_DIR, `${stamp}_${name.replace(/\W+/g, "_")}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "migration.sql"), stdout);
    return folder;
  } finally {
    engine.free();
    await scratch.close();
  }
}
