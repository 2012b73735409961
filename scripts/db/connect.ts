import { DEFAULT_DATA_DIR, ownerLockPath, startEmbeddedDatabase } from "./embedded.ts";
import { readLiveOwnerUrl } from "./owner-lock.ts";

export type DatabaseHandle = { url: string; kind: "postgresql" | "embedded" | "embedded-owner"; close: () => Promise<void> };

export function embeddedDataDir(): string {
  return process.env.PGLITE_DATA_DIR ?? DEFAULT_DATA_DIR;
}

/**
 * Where the database is, for scripts: DATABASE_URL when set; otherwise the embedded database,
 * through its running owner if there is one (never by opening its files a second time), or by
 * becoming its owner for as long as the script runs.
 */
export async function openDatabase(options: { port?: number } = {}): Promise<DatabaseHandle> {
  const noop = async () => {};
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, kind: "postgresql", close: noop };
  const dataDir = embeddedDataDir();
  const ownerUrl = await readLiveOwnerUrl(ownerLockPath(dataDir));
  if (ownerUrl) return { url: ownerUrl, kind: "embedded", close: noop };
  const port = options.port ?? (process.env.PGLITE_PORT ? Number(process.env.PGLITE_PORT) : 0);
  const embedded = await startEmbeddedDatabase({ dataDir, port });
  return { url: embedded.url, kind: "embedded-owner", close: embedded.close };
}
