import { seed } from "../prisma/seed.ts";
import { openDatabase } from "./db/connect.ts";

const database = await openDatabase();
try {
  await seed(database.url);
  console.log("Seeded the catalog and the demo API client.");
} finally {
  await database.close();
}
process.exit(0);
