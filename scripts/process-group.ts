import { setTimeout as sleep } from "node:timers/promises";

/**
 * A detached child and everything it started (next-server is a grandchild of `scripts/stack.ts`)
 * form one process group: signal the group, never just the child, or grandchildren outlive it.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Signals the group, then waits until every process of it is gone: true, or false once
 * `timeoutMs` passed with some still alive (the caller may then escalate to SIGKILL).
 */
export async function signalGroupAndWait(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  signalGroup(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}
