import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ClusterSetupError, ensureReachable, requireDatabaseUrl } from "../cluster/preflight.ts";
import { createScratchDatabase } from "../scripts/db/scratch-database.ts";

export type CampaignDatabase = { spec: { url: string } | { embedded: { dataDir: string } }; name: string; drop: () => Promise<void> };

/**
 * A database of the run's own, so that the checker sees exactly this run: a new database on the
 * PostgreSQL server DATABASE_URL names (the database it names is never touched), or a fresh
 * embedded PGlite folder for the one-instance variant.
 */
export async function createCampaignDatabase(options: { embedded: boolean; seed: number }): Promise<CampaignDatabase> {
  if (options.embedded) {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "campaign-pglite-")), "data");
    return { spec: { embedded: { dataDir } }, name: dataDir, drop: async () => rmSync(path.dirname(dataDir), { recursive: true, force: true }) };
  }
  let server: string;
  try {
    server = requireDatabaseUrl(process.env);
  } catch (error) {
    if (error instanceof ClusterSetupError) throw new ClusterSetupError("The campaign needs DATABASE_URL, a PostgreSQL server: it creates a database of its own there for each run (the one named is not touched). Or run the one-instance variant on the embedded database: npm run campaign -- --embedded");
    throw error;
  }
  await ensureReachable(server);
  const scratch = await createScratchDatabase(server, `campaign_${options.seed}`);
  return { spec: { url: scratch.url }, name: scratch.name, drop: scratch.drop };
}
