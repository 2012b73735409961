import { openDatabase } from "./db/connect.ts";

/** `npm run db:purge`: deletes expired idempotency records and old timeline steps now (the app also sweeps them in the background). */
const database = await openDatabase();
process.env.DATABASE_URL = database.url;
const { db } = await import("../lib/db.ts");
const { purgeExpired } = await import("../lib/idempotency.ts");
const { purgeOldAuditEvents } = await import("../lib/audit.ts");
const { env } = await import("../lib/env.ts");
let total = 0;
for (let purged = -1; purged !== 0; total += purged) purged = await purgeExpired(db, new Date());
let steps = 0;
for (let purged = -1; purged !== 0; steps += purged) purged = await purgeOldAuditEvents(db, new Date(), env().AUDIT_RETENTION_MS);
console.log(`Purged ${total} expired idempotency records and ${steps} timeline steps older than the retention.`);
await db.$disconnect();
await database.close();
process.exit(0);
