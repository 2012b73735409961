import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client.ts";

export type Db = PrismaClient;
/** The client handed to an interactive transaction's callback. */
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (url) return url;
  // `next build` imports route modules without a database; every page that queries is dynamic,
  // so nothing connects during the build.
  if (process.env.NEXT_PHASE === "phase-production-build") return "postgresql://build-time-has-no-database/none";
  throw new Error(
    "DATABASE_URL is not set. Start the shop with `npm run dev` or `npm start`, which start the embedded " +
      "database and set it, or point DATABASE_URL at a PostgreSQL server.",
  );
}

/** Each client's pool, for the hot path's statements (lib/sql.ts) to share with Prisma. */
const pools = new WeakMap<PrismaClient, pg.Pool>();

/** `connections` other than the default is for benchmarks that must know which backend answers (one connection). */
export function createDb(url: string = databaseUrl(), { connections = 10 } = {}): PrismaClient {
  // A statement outside a transaction waits for a free connection at most as long as a
  // transaction waits to start (maxWait): past that, the checkout answers "busy, retry".
  const pool = new pg.Pool({ connectionString: url, max: connections, connectionTimeoutMillis: 15_000 });
  const client = new PrismaClient({
    // One pool for Prisma and the statements run on it directly: one connection limit, and
    // $disconnect ends it (the adapter leaves an external pool open unless told otherwise).
    adapter: new PrismaPg(pool, { disposeExternalPool: true }),
    // The embedded database runs one transaction at a time, so under a burst of duplicates a
    // transaction may queue for a while before it starts: wait for it rather than fail.
    transactionOptions: { maxWait: 15_000, timeout: 15_000 },
  });
  pools.set(client, pool);
  return client;
}

/** The pool under a client made by createDb; undefined for a transaction's client (its connection is Prisma's). */
export function poolOf(client: unknown): pg.Pool | undefined {
  return pools.get(client as PrismaClient);
}

/**
 * The database could not take the work in time: Prisma's P2028 "Unable to start a transaction in
 * the given time" (no connection, or on the embedded database not its one transaction, came free
 * within maxWait), or the pool's own timeout for a single statement (the same message whether
 * Prisma or lib/sql.ts asked the pool). Nothing ran, so nothing was written: the caller can answer
 * "busy, retry" instead of failing.
 */
export function databaseBusy(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as { code?: unknown }).code === "P2028") return error.message.includes("Unable to start a transaction");
  return error.message === POOL_TIMEOUT;
}

/** What node-postgres's pool throws when no connection came free within connectionTimeoutMillis. */
export const POOL_TIMEOUT = "timeout exceeded when trying to connect";

const globalForDb = globalThis as unknown as { db?: PrismaClient };

/** The one Prisma client of this process (kept on globalThis so dev reloads reuse it). */
export const db: PrismaClient = (globalForDb.db ??= createDb());
