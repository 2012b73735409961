// `prisma generate` without network access. Prisma's CLI wants a native schema engine binary
// it would download; generating the client never runs it, so any existing file will do.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const env = { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
let cli;
try {
  cli = require.resolve("prisma/build/index.js");
} catch {
  console.log("prisma is not installed yet (lockfile-only install?): skipping prisma generate");
  process.exit(0);
}
const result = spawnSync(process.execPath, [cli, "generate"], { env, stdio: "inherit" });
process.exit(result.status ?? 1);
