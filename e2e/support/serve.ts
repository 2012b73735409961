import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildIfStale } from "./build.ts";
import { createTestDatabase } from "../../test/setup/database.ts";

/**
 * The e2e web server: a production build of the shop on its own ports, with a database of its
 * own for this run (a fresh embedded PGlite folder, or a fresh PostgreSQL database when
 * TEST_DATABASE=postgres), the local payments server, and test endpoints on.
 */
buildIfStale();

const scratch = mkdtempSync(path.join(tmpdir(), "checkout-e2e-"));
const postgres = process.env.TEST_DATABASE === "postgres" ? await createTestDatabase("postgres") : null;

const child = spawn(process.execPath, ["--import", "tsx", "scripts/stack.ts", "start"], {
  stdio: "inherit",
  env: {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    ENABLE_TEST_ENDPOINTS: "1",
    ...(postgres ? { DATABASE_URL: postgres.url } : { DATABASE_URL: "", PGLITE_DATA_DIR: path.join(scratch, "pglite"), PGLITE_PORT: "0" }),
  },
});

async function shutdown(code: number) {
  child.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await postgres?.close().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
  process.exit(code);
}
child.on("exit", (code) => void shutdown(code ?? 0));
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGINT", () => void shutdown(0));
