import { createHash } from "node:crypto";
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

/*
 * Each statement is sent as a named prepared statement, its name derived from its text: every
 * connection parses and plans a statement's text once, and afterwards only binds and executes it
 * (PostgreSQL's plan cache: custom plans for the first five runs, then the generic plan unless it
 * costs clearly more). The hot path's statements are large CTEs whose planning cost more server
 * CPU than running them: planned once, the look's server CPU per replay fell from about 0.75 to
 * 0.25 ms on PostgreSQL (`npm run bench:replay-cache`, this machine). Values are always parameters
 * (item lines go as one jsonb), so the texts are a small fixed set (a few branches: the caller's
 * kind, a cart or items, the test switches) and the cache per connection stays small. A pooler in transaction mode (PgBouncer before 1.21)
 * would need this off: it does not keep a connection's prepared statements.
 */
const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) names.set(text, (name = `hot_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`));
  return name;
}

/*
 * Not on the embedded database: PGlite's socket server answers every connection from its one
 * backend, so a statement one connection prepared already exists for the next, whose own Parse of
 * it then fails ("prepared statement … already exists"). Asked once per pool; a failed question
 * is asked again by the next statement.
 */
const preparing = new WeakMap<pg.Pool, Promise<boolean>>();
function preparesStatements(pool: pg.Pool): Promise<boolean> {
  let answer = preparing.get(pool);
  if (answer === undefined) {
    answer = pool.query<{ version: string }>("SELECT version()").then(
      ({ rows }) => !rows[0]!.version.includes("wasm32"),
      () => (preparing.delete(pool), false),
    );
    preparing.set(pool, answer);
  }
  return answer;
}

/** One statement on the pool, its rows as $queryRaw would return them. */
export async function onPool(pool: pg.Pool, statement: Prisma.Sql): Promise<unknown[]> {
  const name = (await preparesStatements(pool)) ? statementName(statement.text) : undefined;
  const result = await pool.query({ name, text: statement.text, values: statement.values, types });
  return result.rows;
}

async function query(client: Db | Tx, statement: Prisma.Sql): Promise<unknown[]> {
  const pool = EXECUTOR === "pg" ? poolOf(client) : undefined;
  return pool ? onPool(pool, statement) : client.$queryRaw<unknown[]>(statement);
}

/** The executor, as an object so that a test can put a fault in front of it (`vi.spyOn(sql, "query")`). */
export const sql = { query };
