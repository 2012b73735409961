import { postgresReachable, POSTGRES_ADMIN_URL } from "../test/setup/database.ts";

/** Exit 0 when the PostgreSQL server for the second test pass answers (CI runs it only then). */
const reachable = await postgresReachable();
console.log(reachable ? `PostgreSQL reachable at ${POSTGRES_ADMIN_URL}` : `No PostgreSQL at ${POSTGRES_ADMIN_URL}`);
process.exit(reachable ? 0 : 1);
