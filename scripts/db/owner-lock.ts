import { createHash } from "node:crypto";
import { mkdirSync, realpathSync } from "node:fs";
import net from "node:net";
import { basename, dirname, join } from "node:path";
import { z } from "zod";

export class OwnerLockError extends Error {
  name = "OwnerLockError";
}

const ownerInfo = z.object({ pid: z.number().int(), startedAt: z.string(), url: z.string().optional() });
type OwnerInfo = z.infer<typeof ownerInfo>;

type Address = { path: string } | { host: string; port: number };
/** `platform` only so that tests on Linux can try the TCP port used elsewhere. */
export type LockOptions = { platform?: NodeJS.Platform };

/**
 * Where the lock named `lockPath` lives: a socket that the kernel lets one process bind at a
 * time and unbinds when that process dies, however it dies. On Linux an abstract Unix socket
 * (a name with no file, so nothing is left behind to clean up); elsewhere a loopback TCP port
 * derived from the same name. Both are per machine and per network namespace: two containers
 * sharing the data folder through a volume would not see each other's lock.
 */
function lockAddress(lockPath: string, { platform = process.platform }: LockOptions = {}): Address {
  mkdirSync(dirname(lockPath), { recursive: true });
  // The real path, so that two spellings of one folder (a symlink, a relative path) are one lock.
  const canonical = join(realpathSync(dirname(lockPath)), basename(lockPath));
  const digest = createHash("sha256").update(canonical).digest();
  if (platform === "linux") return { path: `\0idempotent-checkout/${digest.toString("hex").slice(0, 40)}` };
  // 40000–48999: below macOS's and Windows' ephemeral ports (49152+), above the ports the e2e
  // picks at random (20000–39999).
  return { host: "127.0.0.1", port: 40_000 + (digest.readUInt32BE(0) % 9_000) };
}

function listen(server: net.Server, address: Address): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ ...address, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Asks the lock's holder who it is; null when nobody holds it (refused at once), or when the
 * holder's event loop is too busy to answer in time.
 */
async function readOwner(lockPath: string, options: LockOptions = {}, timeoutMs = 10_000): Promise<OwnerInfo | null> {
  return new Promise((resolve) => {
    let text = "";
    const socket = net.connect(lockAddress(lockPath, options));
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", () => {}); // ECONNREFUSED / ENOENT: nobody holds it; "close" answers
    socket.on("close", () => {
      try {
        resolve(ownerInfo.parse(JSON.parse(text)));
      } catch {
        resolve(null);
      }
    });
  });
}

export type OwnerLock = { release: () => Promise<void>; publish: (url: string) => void };

/**
 * PGlite checks nothing when a second process opens the same data folder, and two openers
 * corrupt it silently. So the one owner takes this lock first: it binds the lock's socket, which
 * the kernel gives to exactly one process (the other gets EADDRINUSE) and takes back the moment
 * that process dies, SIGKILL included. Taking it over after a crash is therefore just taking it:
 * there is no stale lock to judge, read, unlink and recreate, which no file lock can do
 * atomically. The holder answers on the socket with its pid and, once published, its URL.
 */
export async function acquireOwnerLock(lockPath: string, options: LockOptions = {}): Promise<OwnerLock> {
  const info: OwnerInfo = { pid: process.pid, startedAt: new Date().toISOString() };
  const server = net.createServer((socket) => {
    socket.on("error", () => {}); // a reader that hung up early
    socket.end(`${JSON.stringify(info)}\n`);
  });
  try {
    await listen(server, lockAddress(lockPath, options));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    const holder = await readOwner(lockPath, options);
    throw new OwnerLockError(
      `The embedded database is already owned by ${holder ? `process ${holder.pid} (since ${holder.startedAt})` : "another process"}; ` +
        `only one process may open ${lockPath.replace(/\.owner\.lock$/, "")}. Stop that process, or connect to it through ` +
        `its DATABASE_URL instead of opening the files.`,
    );
  }
  // Held for as long as this process lives, without keeping it alive.
  server.unref();
  let released: Promise<void> | null = null;
  return {
    // Tools started while the owner runs (migrate, seed, the bench) ask the owner for its address.
    publish: (url) => {
      info.url = url;
    },
    release: () => (released ??= new Promise((resolve) => server.close(() => resolve()))),
  };
}

/** The address of the live owner of this lock, if there is one. */
export async function readLiveOwnerUrl(lockPath: string, options: LockOptions = {}): Promise<string | null> {
  return (await readOwner(lockPath, options))?.url ?? null;
}
