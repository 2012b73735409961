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
