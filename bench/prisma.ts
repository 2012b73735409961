import type { PrismaClient } from "../lib/generated/prisma/client.ts";

/**
 * lib/db.ts builds the app's global client on import and insists on DATABASE_URL; the benchmarks
 * only use its createDb(url), so any URL will do for that never-used global client.
 */
export async function prismaFor(url: string): Promise<PrismaClient> {
  process.env.DATABASE_URL ||= url;
  const { createDb } = await import("../lib/db.ts");
  return createDb(url);
}
