import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const SOURCES = ["app", "components", "lib", "public", "next.config.ts", "package.json", "prisma/schema.prisma"];

function newestSource(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(entry).map((child) => newestSource(path.join(entry, child))));
}

/** Builds the production app unless .next is newer than every source file (scenarios test the real build). */
export function buildIfStale(): void {
  const buildId = path.join(".next", "BUILD_ID");
  const fresh = existsSync(buildId) && statSync(buildId).mtimeMs > Math.max(...SOURCES.map(newestSource));
  if (fresh && process.env.E2E_REBUILD !== "1") return;
  const next = path.join("node_modules", "next", "dist", "bin", "next");
  const result = spawnSync(process.execPath, [next, "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) throw new Error("next build failed");
}
