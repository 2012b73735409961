import pg from "pg";
import { poolOf, type Db, type Tx } from "@/lib/db.ts";
import type { Prisma } from "@/lib/generated/prisma/client.ts";

/*
 * How the hot path's single statements (lib/checkout/statements/) reach the database: with
 * node-postgres directly on the pool the Prisma adapter uses (lib/db.ts: one pool, one connection
 * limit, one schema and one set of migrations), because it measured clearly cheaper than Prisma's
 * $queryRaw, which runs the same SQL on the same pool but through Prisma's engine (about 15 % less
 * app CPU per fresh checkout and replay: bench/results/executor.md). A transaction's client has
 * no pool of its own here, so a statement run inside a transaction (a webhook's settle) goes
 * through it, $queryRaw on the transaction's connection.
 *
 * HOT_PATH_SQL=prisma sends them through $queryRaw instead, read once at start-up. It is a
 * benchmark knob (`npm run bench:executor` runs one app each way side by side), not a setting:
 * both paths return the same rows and the same errors to the statements (test/db/sql-executor).
 */

export type Executor = "prisma" | "pg";
export const EXECUTOR: Executor = process.env.HOT_PATH_SQL === "prisma" ? "prisma" : "pg";

/*
 * Rows as $queryRaw returns them through @prisma/adapter-pg, for the column types these statements
 * return: text, int4, float8 and bool parse alike, jsonb is parsed by both. The one difference is
 * `timestamp without time zone` (every DateTime column, holding UTC): node-postgres reads it as
 * the process's local time, the adapter as UTC, so it is read as UTC here too. (int8 and numeric,
 * which neither statement returns, would differ: strings here, BigInt and Decimal there.)
 */
const TIMESTAMP = pg.types.builtins.TIMESTAMP;
const utcTimestamp = (text: string) => new Date(`${text.replace(" ", "T")}Z`);
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => (oid === TIMESTAMP && format !== "binary" ? utcTimestamp : pg.types.getTypeParser(oid, format as "text"))) as pg.CustomTypesConfig["getTypeParser"],
};

/** One statement on the pool, its rows as $queryRaw would return them. */
export async function onPool(pool: pg.Pool, statement: Prisma.Sql): Promise<unknown[]> {
  const result = await pool.query({ text: statement.text, values: statement.values, types });
  return result.rows;
}

async function query(client: Db | Tx, statement: Prisma.Sql): Promise<unknown[]> {
  const pool = EXECUTOR === "pg" ? poolOf(client) : undefined;
  return pool ? onPool(pool, statement) : client.$queryRaw<unknown[]>(statement);
}

/** The executor, as an object so that a test can put a fault in front of it (`vi.spyOn(sql, "query")`). */
export const sql = { query };
