import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { signalGroupAndWait } from "../scripts/process-group.ts";

const MAILER = fileURLToPath(new URL("../mailer/main.ts", import.meta.url));

/**
 * The cluster's mailer process (`mailer/main.ts`, with a broker): like an instance, in a process
 * group of its own, so the campaign can SIGKILL it, and restart it, with the fault the mailer
 * honours under ENABLE_TEST_ENDPOINTS=1 (`MAILER_FAULT=die_after_commit`: it SIGKILLs itself
 * right after its consumer's first commit, before the ack). Ready once its metrics say it is
 * consuming (`mailer_connected 1`).
 */
export class MailerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly environment: NodeJS.ProcessEnv,
    readonly metricsPort: number,
    readonly logFile: string,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it and waits until it consumes; `fault` arms the mailer's own test fault for this life. */
  async start(options: { fault?: "die_after_commit"; timeoutMs?: number } = {}): Promise<void> {
    if (this.running) throw new Error("the mailer is already running");
    const log = openSync(this.logFile, "a");
    const child = spawn(process.execPath, ["--import", "tsx", MAILER], {
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...this.environment, MAILER_METRICS_PORT: String(this.metricsPort), MAILER_FAULT: options.fault ?? "" },
    });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      if (!this.running) {
        // Armed to die, it may die at once (a message was waiting): it consumed, that was the point.
        if (options.fault) return;
        throw new Error(`the mailer exited during start-up; see ${this.logFile}`);
      }
      const metrics = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, { signal: AbortSignal.timeout(2_000) }).then((answer) => (answer.ok ? answer.text() : ""), () => "");
      if (/^mailer_connected 1$/m.test(metrics)) return;
      await sleep(50);
    }
    throw new Error(`the mailer did not consume within ${(options.timeoutMs ?? 60_000) / 1000} s; see ${this.logFile}`);
  }

  /** Resolves when the current process has exited (at once if none runs), or false after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    if (!this.running) return true;
    return Promise.race([this.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
  }

  /** SIGKILL to the whole process group: unacknowledged deliveries go back to the queue. */
  async kill(): Promise<void> {
    await this.signalAndWait("SIGKILL", 10_000);
  }

  /** A clean stop (SIGTERM: it closes its connection), then SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    if (!(await this.signalAndWait("SIGTERM", 5_000))) await this.signalAndWait("SIGKILL", 10_000);
  }

  private async signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
    const pid = this.child?.pid;
    if (!pid) return true;
    if (!(await signalGroupAndWait(pid, signal, timeoutMs))) return false;
    this.child = null;
    return true;
  }
}
