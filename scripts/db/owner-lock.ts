import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export class OwnerLockError extends Error {
  name = "OwnerLockError";
}

type LockContent = { pid: number; startedAt: string; url?: string };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(lockPath: string): LockContent | null {
  try {
    return JSON.parse(readFileSync(lockPath, "utf8")) as LockContent;
  } catch {
    return null;
  }
}

function tryCreate(lockPath: string): boolean {
  try {
    const fd = openSync(lockPath, "wx");
    writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/**
 * PGlite checks nothing when a second process opens the same data folder, and two openers
 * corrupt it silently. So the one owner takes this lock first. A lock left by a process that
 * died (SIGKILL included) names a pid that no longer runs, and is taken over at once, so a
 * restart after a crash never waits.
 */
export type OwnerLock = { release: () => void; publish: (url: string) => void };

export function acquireOwnerLock(lockPath: string): OwnerLock {
  mkdirSync(dirname(lockPath), { recursive: true });
  if (!tryCreate(lockPath)) {
    const holder = readLock(lockPath);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
      throw new OwnerLockError(
        `The embedded database is already owned by process ${holder.pid} (since ${holder.startedAt}); ` +
          `only one process may open ${dirname(lockPath)}. Stop that process, or connect to it through ` +
          `its DATABASE_URL instead of opening the files.`,
      );
    }
    // The holder is gone. Two restarts racing for the same stale lock both unlink it, but only
    // one of them then wins the exclusive create below.
    unlinkSync(lockPath);
    if (!tryCreate(lockPath)) throw new OwnerLockError(`Another process took the embedded database lock ${lockPath} first.`);
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (readLock(lockPath)?.pid === process.pid) unlinkSync(lockPath);
  };
  // Tools started while the owner runs (migrate, seed) read the owner's address from here.
  const publish = (url: string) => {
    writeFileSync(lockPath, JSON.stringify({ ...readLock(lockPath), url }));
  };
  process.once("exit", release);
  return { release, publish };
}

/** The address of the live owner of this lock, if there is one. */
export function readLiveOwnerUrl(lockPath: string): string | null {
  const holder = readLock(lockPath);
  return holder?.url && isAlive(holder.pid) ? holder.url : null;
}
