import { seed } from "../../prisma/seed.ts";
import { applyMigrations } from "./migrations.ts";

/**
 * Migrations, then the seed: what a database needs before any app instance starts. `npm run dev`
 * and `npm start` run it at every start (one process, so nothing races it); the cluster's
 * supervisor runs it once, before its instances start, so N instances never migrate at once.
 */
export async function prepareDatabase(url: string): Promise<{ applied: string[] }> {
  const applied = await applyMigrations(url);
  await seed(url);
  return { applied };
}
