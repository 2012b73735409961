import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import path from "node:path";
import { acquireOwnerLock } from "./owner-lock.ts";
import { ProtocolAwareQueue } from "./protocol-queue.ts";

export const DEFAULT_DATA_DIR = ".data/pglite";

/** The name of the data folder's owner lock (a socket, not a file: see owner-lock.ts). */
export function ownerLockPath(dataDir: string): string {
  return `${path.resolve(dataDir)}.owner.lock`;
}

export type EmbeddedDatabase = { url: string; dataDir: string; close: () => Promise<void> };

/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly) in this process, served
 * over the PostgreSQL wire protocol. This process is the data folder's single owner; the app,
 * migrations, tests and any second app instance connect to it with DATABASE_URL exactly as they
 * would to a PostgreSQL server, so the app has one database code path.
 *
 * The socket server runs one transaction at a time across all connections, which keeps
 * transactions isolated (and serialisable) at the cost of concurrency.
 */
export async function startEmbeddedDatabase(options: { dataDir?: string; port?: number; host?: string } = {}): Promise<EmbeddedDatabase> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const inMemory = dataDir.startsWith("memory://");
  const lock = inMemory ? null : await acquireOwnerLock(ownerLockPath(dataDir));
  try {
    const db = await PGlite.create(inMemory ? dataDir : path.resolve(dataDir));
    // Enough connections for the app's pool, the migrator and a test runner at once.
    const server = new PGLiteSocketServer({ db, port: options.port ?? 0, host: options.host ?? "127.0.0.1", maxConnections: 100 });
    (server as unknown as { queryQueue: ProtocolAwareQueue }).queryQueue = new ProtocolAwareQueue(db);
    await server.start();
    const url = `postgresql://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    lock?.publish(url);
    return {
      url,
      dataDir,
      close: async () => {
        await server.stop();
        await db.close();
        await lock?.release();
      },
    };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}
