import { openDatabase } from "./db/connect.ts";
import { applyMigrations } from "./db/migrations.ts";

const database = await openDatabase();
try {
  const applied = await applyMigrations(database.url);
  console.log(applied.length ? `Applied ${applied.join(", ")}` : "Database is up to date: no migration to apply.");
} finally {
  await database.close();
}
process.exit(0);
