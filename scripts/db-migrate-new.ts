import { createMigration } from "./db/migrations.ts";

const name = process.argv[2];
if (!name) {
  console.error("usage: npm run db:migrate:new -- <name>");
  process.exit(2);
}
const folder = await createMigration(name);
console.log(folder ? `Created ${folder}/migration.sql` : "The schema matches the migrations: nothing to create.");
process.exit(0);
