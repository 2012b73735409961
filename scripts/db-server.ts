import { embeddedDataDir } from "./db/connect.ts";
import { startEmbeddedDatabase } from "./db/embedded.ts";
import { OwnerLockError } from "./db/owner-lock.ts";
import { applyMigrations } from "./db/migrations.ts";

/**
 * `npm run db:server`: runs the embedded database on its own, as its folder's single owner,
 * so that psql, Prisma Studio or several app instances can connect to it.
 */
try {
  const database = await startEmbeddedDatabase({ dataDir: embeddedDataDir(), port: Number(process.env.PGLITE_PORT ?? 54329) });
  await applyMigrations(database.url);
  console.log(`Embedded PostgreSQL (PGlite) serving ${database.dataDir}\nDATABASE_URL=${database.url}`);
  const stop = async () => {
    await database.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  if (error instanceof OwnerLockError) {
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
