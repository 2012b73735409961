import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createDb, db, poolOf } from "@/lib/db.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { sqlState } from "@/lib/locking.ts";
import { onPool } from "@/lib/sql.ts";

/*
 * The hot path's statements run either through $queryRaw or on the adapter's own pool
 * (lib/sql.ts); the statements parse rows and recognise errors one way, so both paths must give
 * the same rows and the same SQLSTATE, whatever the process's time zone.
 */

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe("the statements' executor", () => {
  it("returns the rows $queryRaw returns, timestamps read as UTC in a process that is not on UTC", async () => {
    // Node applies a changed TZ at once: plain node-postgres would now read a timestamp hours off.
    process.env.TZ = "America/New_York";
    const statement = Prisma.sql`
      SELECT ${"text"}::text AS text, 42::int AS int, 1.5::float8 AS float, true AS bool, NULL::text AS nothing,
             '2026-03-08 06:30:00.123'::timestamp(3) AS at,
             jsonb_build_object('a', 1, 'b', jsonb_build_array('x', NULL)) AS json, ${["a", "b"]}::text[] && ARRAY['b'] AS overlaps`;
    const [viaPrisma] = await db.$queryRaw<unknown[]>(statement);
    const [viaPool] = await onPool(poolOf(db)!, statement);
    expect(viaPool).toEqual(viaPrisma);
    expect((viaPool as { at: Date }).at.toISOString()).toBe("2026-03-08T06:30:00.123Z");
  });

  it("gives a constraint violation the same SQLSTATE either way", async () => {
    const id = `executor-${randomUUID()}`;
    const insert = Prisma.sql`INSERT INTO "WebhookEvent" (id, type, "receivedAt") VALUES (${id}, 'test', now()), (${id}, 'test', now())`;
    const failure = (run: Promise<unknown>) => run.then(() => null, (error: unknown) => error);
    expect(sqlState(await failure(db.$queryRaw(insert)))).toBe("23505");
    expect(sqlState(await failure(onPool(poolOf(db)!, insert)))).toBe("23505");
  });

  it("runs one statement on many connections at once, prepared once per connection where the server keeps them apart", async () => {
    const client = createDb(process.env.DATABASE_URL!, { connections: 4 });
    const pool = poolOf(client)!;
    const text = `executor-prepared-${randomUUID()}`;
    const statement = Prisma.sql`SELECT ${text}::text AS text, pg_sleep(0.05) IS NULL AS slept`;
    try {
      // Four at once: four connections, each running the same text. On PGlite, whose connections
      // share one backend, a second connection's Parse of a name the first prepared would fail.
      for (let round = 0; round < 2; round++) {
        const rows = await Promise.all(Array.from({ length: 4 }, () => onPool(pool, statement)));
        expect(rows.flat()).toEqual(Array.from({ length: 4 }, () => ({ text, slept: false })));
      }
      expect(pool.totalCount).toBe(4);
      const [{ prepared }] = (await onPool(pool, Prisma.sql`SELECT count(*)::int AS prepared FROM pg_prepared_statements WHERE statement LIKE ${"%pg_sleep(0.05)%"}`)) as [{ prepared: number }];
      const embedded = ((await onPool(pool, Prisma.sql`SELECT version() AS v`)) as [{ v: string }])[0].v.includes("wasm32");
      // On PostgreSQL the connection that answered has the statement prepared under its name.
      expect(prepared).toBe(embedded ? 0 : 1);
    } finally {
      await client.$disconnect();
    }
  });

  it("shares one pool with Prisma, which $disconnect ends", async () => {
    const client = createDb(process.env.DATABASE_URL!);
    const pool = poolOf(client)!;
    expect(pool.totalCount).toBe(0);
    await client.$queryRaw`SELECT 1`;
    expect(pool.totalCount).toBe(1);
    await onPool(pool, Prisma.sql`SELECT 1`);
    expect(pool.totalCount).toBe(1);
    await client.$disconnect();
    expect(pool.ended).toBe(true);
  });
});
