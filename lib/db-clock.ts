import { Prisma } from "@/lib/generated/prisma/client.ts";

/*
 * The database's clock. Lock times, expiries and the idle times the completer compares are set
 * and compared with it, never with an instance's own clock: instances whose clocks differ still
 * agree on whether a lock is stale or a checkout idle. The columns are timestamp(3) without time
 * zone holding UTC (as Prisma writes them), hence AT TIME ZONE 'UTC'.
 */

/** now(), as the columns store it. */
export const dbNow = Prisma.sql`(now() AT TIME ZONE 'UTC')`;

/** `ms` milliseconds before now(). */
export const dbAgo = (ms: number) => Prisma.sql`(now() AT TIME ZONE 'UTC' - ${ms}::bigint * interval '1 millisecond')`;

/** `ms` milliseconds after now(). */
export const dbLater = (ms: number) => Prisma.sql`(now() AT TIME ZONE 'UTC' + ${ms}::bigint * interval '1 millisecond')`;
