import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { findNginx, NGINX_MISSING } from "./nginx.ts";

/** A problem the person running `npm run cluster` can fix; printed as one clear line, no stack. */
export class ClusterSetupError extends Error {
  name = "ClusterSetupError";
}

const EXAMPLE = "DATABASE_URL=postgresql://postgres@127.0.0.1:5432/checkout npm run cluster";

export function requireDatabaseUrl(environment: Record<string, string | undefined>): string {
  const url = environment.DATABASE_URL;
  if (!url) {
    throw new ClusterSetupError(`The cluster needs DATABASE_URL: its instances share one PostgreSQL (the embedded database serves one process). For example:\n  ${EXAMPLE}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ClusterSetupError(`DATABASE_URL is not a URL: ${url}`);
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new ClusterSetupError(`DATABASE_URL must be a postgresql:// URL, got ${parsed.protocol}//…`);
  return url;
}

const redacted = (url: string) => url.replace(/\/\/[^@/]*@/, "//");

/**
 * Connects once. A database that does not exist yet is created on the same server (the
 * migrations fill it); a server that does not answer is a clear error, not a stack trace.
 */
export async function ensureReachable(url: string): Promise<void> {
  const attempt = async (target: string) => {
    const client = new pg.Client({ connectionString: target, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await client.query("select 1");
    } finally {
      await client.end().catch(() => {});
    }
  };
  try {
    await attempt(url);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "3D000") return createDatabase(url);
    throw new ClusterSetupError(`PostgreSQL at ${redacted(url)} is unreachable: ${(error as Error).message}`);
  }
}

async function createDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new ClusterSetupError(`Database "${name}" does not exist; create it first.`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query(`CREATE DATABASE "${name}"`);
  } catch (error) {
    throw new ClusterSetupError(`Database "${name}" does not exist and could not be created: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

export function requireNginx(environment: Record<string, string | undefined>): string {
  const binary = findNginx(environment);
  if (!binary) throw new ClusterSetupError(NGINX_MISSING);
  return binary;
}

/** The instances run the production build; the cluster never builds behind your back. */
export function requireBuild(root: string): void {
  if (!existsSync(path.join(root, ".next", "BUILD_ID"))) throw new ClusterSetupError("No production build in .next: run `npm run build` first.");
}
