import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_DEMO_API_KEY } from "../prisma/seed.ts";
import { ownerLockPath } from "../scripts/db/embedded.ts";
import { readLiveOwnerUrl } from "../scripts/db/owner-lock.ts";
import { freePort } from "../scripts/free-port.ts";
import { groupAlive, signalGroup } from "../scripts/process-group.ts";

/** What the benchmarks sign webhooks with and authenticate as; the stack is started with the same. */
export const WEBHOOK_SECRET = process.env.STRIPE_WEBHOOK_SECRET || "whsec_local_development_secret";
export const DEMO_API_KEY = process.env.DEMO_API_KEY || DEFAULT_DEMO_API_KEY;

export type Stack = {
  appUrl: string;
  paymentsUrl: string;
  databaseUrl: string;
  /** CPU milliseconds used so far: `app` by next-server, `owner` by the stack process (payments server, and the embedded database if any). */
  cpu: () => { app: number; owner: number };
  stop: () => Promise<void>;
};
/** A running stack under the name its results are reported by. */
export type Target = { name: string; stack: Stack };

/**
 * The whole shop as `npm start` runs it (scripts/stack.ts: database owner or DATABASE_URL,
 * migrations, seed, payments server, `next start` of the production build), on free ports, with
 * the naive teaching route on, logging and the maintenance loop off, and the local payments server. Spawned detached, so that stopping it can signal
 * its whole process group: next-server is a grandchild.
 */
export async function startStack(options: { databaseUrl?: string; logFile: string; env?: Record<string, string> }): Promise<Stack> {
  const [port, paymentsPort] = [await freePort(), await freePort()];
  const scratch = mkdtempSync(path.join(tmpdir(), "checkout-bench-"));
  const dataDir = path.join(scratch, "pglite");
  const log = openSync(options.logFile, "a");
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/stack.ts", "start"], {
    detached: true,
    stdio: ["ignore", log, log],
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      HOST: "127.0.0.1",
      PORT: String(port),
      PAYMENTS_PORT: String(paymentsPort),
      DEMO_UNSAFE_CHECKOUT: "1",
      LOG_LEVEL: "silent",
      // The maintenance loop would deliver one scenario's confirmations during the next one and
      // bill them to it; the purge it runs is measured on its own (growth.ts).
      DISABLE_MAINTENANCE: "1",
      // Set explicitly, so that a developer's .env or shell can't point the stack elsewhere.
      STRIPE_API_URL: "",
      STRIPE_SECRET_KEY: "sk_test_local_development",
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      DEMO_API_KEY,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : { DATABASE_URL: "", PGLITE_DATA_DIR: dataDir, PGLITE_PORT: "0" }),
      ...options.env,
    },
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));

  const stop = async () => {
    if (!exited && child.pid) {
      signalGroup(child.pid, "SIGTERM");
      await Promise.race([exit, sleep(10_000)]);
      if (groupAlive(child.pid)) signalGroup(child.pid, "SIGKILL");
    }
    rmSync(scratch, { recursive: true, force: true });
  };

  const appUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  try {
    for (;;) {
      if (exited) throw new Error(`the stack exited during start-up; see ${options.logFile}`);
      if (Date.now() > deadline) throw new Error(`the stack did not answer within 3 minutes; see ${options.logFile}`);
      const health = await fetch(`${appUrl}/api/health`).catch(() => null);
      if (health?.ok) break;
      await sleep(250);
    }
    const databaseUrl = options.databaseUrl ?? (await readLiveOwnerUrl(ownerLockPath(dataDir)));
    if (!databaseUrl) throw new Error("the embedded database published no address");
    const pid = child.pid!;
    return { appUrl, paymentsUrl: `http://127.0.0.1:${paymentsPort}`, databaseUrl, cpu: () => groupCpu(pid), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** CPU time of a process group from /proc (Linux; NaN elsewhere), split into its leader and the rest. */
function groupCpu(leader: number): { app: number; owner: number } {
  const total = { app: 0, owner: 0 };
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return { app: Number.NaN, owner: Number.NaN };
  }
  for (const entry of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // After "pid (comm) ": state ppid pgrp … utime (14th field) stime (15th), in clock ticks of 10 ms.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) !== leader) continue;
    const ms = (Number(fields[11]) + Number(fields[12])) * 10;
    if (Number(entry) === leader) total.owner += ms;
    else total.app += ms;
  }
  return total;
}

