import { rmSync } from "node:fs";
import pg from "pg";
import { seed } from "../prisma/seed.ts";
import { embeddedDataDir } from "./db/connect.ts";
import { ownerLockPath, startEmbeddedDatabase } from "./db/embedded.ts";
import { applyMigrations } from "./db/migrations.ts";
import { acquireOwnerLock, OwnerLockError } from "./db/owner-lock.ts";

/** `npm run db:reset`: drops every table and starts over from the migrations and the seed. */
async function resetUrl(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  await client.end();
  await applyMigrations(url);
  await seed(url);
}

try {
  if (process.env.DATABASE_URL) {
    await resetUrl(process.env.DATABASE_URL);
  } else {
    const dataDir = embeddedDataDir();
    // Taking the lock first proves nobody owns the folder while we delete it.
    await (await acquireOwnerLock(ownerLockPath(dataDir))).release();
    rmSync(dataDir, { recursive: true, force: true });
    const database = await startEmbeddedDatabase({ dataDir });
    await applyMigrations(database.url);
    await seed(database.url);
    await database.close();
  }
  console.log("Database reset: migrated and seeded.");
  process.exit(0);
} catch (error) {
  if (error instanceof OwnerLockError) {
    console.error(`error: ${error.message}\nStop the running shop (npm run dev / npm start) first.`);
    process.exit(1);
  }
  throw error;
}
