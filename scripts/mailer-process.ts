import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MAILER = fileURLToPath(new URL("../mailer/main.ts", import.meta.url));

/**
 * Starts `npm run mailer` as a child process with the shop's environment (DATABASE_URL,
 * AMQP_URL, AMQP_QUEUE_PREFIX): `npm run dev`/`start` and the cluster use it when AMQP_URL is set.
 * Its output goes to this terminal, or to `logFile`.
 */
export function startMailerProcess(env: NodeJS.ProcessEnv, logFile?: string) {
  const out = logFile ? openSync(logFile, "a") : "inherit";
  const child = spawn(process.execPath, ["--import", "tsx", MAILER], { env, stdio: ["ignore", out, out] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
