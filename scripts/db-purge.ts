import { openDatabase } from "./db/connect.ts";

/** `npm run db:purge`: deletes expired idempotency records now (the app also sweeps them in the background). */
const database = await openDatabase();
process.env.DATABASE_URL = database.url;
const { db } = await import("../lib/db.ts");
const { purgeExpired } = await import("../lib/idempotency.ts");
let total = 0;
for (let purged = -1; purged !== 0; total += purged) purged = await purgeExpired(db, new Date());
console.log(`Purged ${total} expired idempotency records.`);
await db.$disconnect();
await database.close();
process.exit(0);
