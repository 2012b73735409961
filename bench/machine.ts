import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import pg from "pg";

export type Machine = {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load averages when the run started and ended: other work on the machine skews the numbers. */
  loadAverage: { start: number; end?: number };
  versions: Record<string, string>;
  databases: Record<string, string>;
  commit: string;
};

const packageVersion = (name: string): string => (JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8")) as { version: string }).version;

export function describeMachine(): Machine {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    if (execFileSync("git", ["status", "--porcelain", "--", "app", "lib", "prisma", "scripts"], { encoding: "utf8" }).trim()) commit += " (with uncommitted changes)";
  } catch {
    // not a git checkout
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: { start: os.loadavg()[0]! },
    versions: Object.fromEntries(["next", "@prisma/client", "@electric-sql/pglite", "pg", "stripe", "autocannon"].map((name) => [name, packageVersion(name)])),
    databases: {},
    commit,
  };
}

export async function databaseVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>("SELECT version()");
    return rows[0]?.version.split(",")[0] ?? "unknown";
  } finally {
    await client.end();
  }
}
