import pg from "pg";
import { describe } from "vitest";

/**
 * Concurrency is proved on PostgreSQL only: the embedded database runs one transaction at a
 * time, so the interleavings these tests arrange cannot happen there.
 */
export const describeOnPostgres = describe.runIf(process.env.TEST_DATABASE_KIND === "postgres");

/** A connection of the test's own, to hold locks the application's transactions then meet. */
export async function connectAsBystander(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  return client;
}

/**
 * Waits until `count` other sessions of this database are blocked on a lock, so a test can
 * arrange an interleaving by what the database reports, never by sleeping.
 */
export async function waitForLockWaiters(client: pg.Client, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ waiting: number }>(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
    );
    if (rows[0]!.waiting >= count) return;
    if (Date.now() > deadline) throw new Error(`expected ${count} sessions waiting for a lock, saw ${rows[0]!.waiting}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Points this test file (its own process) at a database of its own before the app's modules
 * load, so the locks it holds stall no other file and the lock waiters it counts are its own.
 * Import the app's modules after this, with `await import(...)`.
 */
export async function usePrivateDatabase(): Promise<{ close: () => Promise<void> }> {
  const { createTestDatabase } = await import("./database.ts");
  const database = await createTestDatabase("postgres");
  process.env.DATABASE_URL = database.url;
  return database;
}
