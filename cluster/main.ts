import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ClusterSetupError, ensureReachable, requireBuild, requireDatabaseUrl, requireNginx } from "./preflight.ts";
import { startCluster } from "./supervisor.ts";

/**
 * `npm run cluster [-- --instances 3 --port 8080 --retry-port 8081]`: the production build as N
 * instances on one PostgreSQL (DATABASE_URL) behind nginx. Stops everything on Ctrl-C.
 */
async function main() {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const { values } = parseArgs({
    options: {
      instances: { type: "string", default: "3" },
      port: { type: "string", default: process.env.PORT ?? "8080" },
      "retry-port": { type: "string", default: "0" },
      "payments-port": { type: "string", default: process.env.PAYMENTS_PORT ?? "0" },
    },
  });
  const number = (name: string, raw: string | undefined) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new ClusterSetupError(`--${name} must be a whole number, got "${raw}"`);
    return value;
  };
  const instances = number("instances", values.instances);
  if (instances < 1 || instances > 16) throw new ClusterSetupError("--instances must be between 1 and 16");

  const databaseUrl = requireDatabaseUrl(process.env);
  const nginxBinary = requireNginx(process.env);
  requireBuild(process.cwd());
  await ensureReachable(databaseUrl);

  const runDir = path.resolve(".data", "cluster", new Date().toISOString().replace(/[:.]/g, "-"));
  const cluster = await startCluster({
    database: { url: databaseUrl },
    instances,
    nginxBinary,
    runDir,
    port: number("port", values.port),
    retryPort: number("retry-port", values["retry-port"]),
    paymentsPort: number("payments-port", values["payments-port"]),
  });
  console.log(`[cluster] shop: ${cluster.url} — logs in ${path.relative(process.cwd(), runDir)}; Ctrl-C stops everything`);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await cluster.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  cluster.nginx.process.once("exit", () => {
    console.error("[cluster] nginx exited; stopping");
    void stop(1);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ClusterSetupError ? `error: ${error.message}` : error);
  process.exit(1);
});
