import { readFile } from "node:fs/promises";
import path from "node:path";

const ROOTS = ["lib/", "app/", "components/", "payments-server/src/"];

/** Only the project's own source files, by a relative path without `..`: the lab never reads anything else. */
export function isReadableSource(file: string): boolean {
  const normalised = path.posix.normalize(file);
  return normalised === file && !file.includes("..") && ROOTS.some((root) => file.startsWith(root)) && /\.(ts|tsx)$/.test(file) && !file.startsWith("lib/generated/");
}

export type SourceView = { file: string; lines: string[]; symbol: string | null; start: number | null; end: number | null };

/**
 * A source file with one function (or constant) located in it. Lines are found by reading the
 * file now, so the lab's links never point at where a function used to be.
 */
export async function readSource(file: string, symbol: string | null): Promise<SourceView | null> {
  if (!isReadableSource(file)) return null;
  let text: string;
  try {
    // Read at run time from the checkout, never bundled: tell Turbopack not to trace it.
    text = await readFile(path.join(/*turbopackIgnore: true*/ process.cwd(), file), "utf8");
  } catch {
    return null;
  }
  const lines = text.split("\n");
  const span = symbol ? locate(lines, symbol) : null;
  return { file, lines, symbol, start: span?.start ?? null, end: span?.end ?? null };
}

/** 1-based first and last line of a top-level declaration, from its doc comment to its closing line. */
export function locate(lines: string[], symbol: string): { start: number; end: number } | null {
  const declaration = new RegExp(`^(export )?(default )?(async )?(function|const|class|type) ${symbol}\\b`);
  const index = lines.findIndex((line) => declaration.test(line));
  if (index === -1) return null;
  let start = index;
  while (start > 0 && /^(\/\*\*| \*|\/\/)/.test(lines[start - 1] ?? "")) start -= 1;
  let end = index;
  // A one-line declaration ends where it starts; otherwise at the next line that closes at column 0.
  if (!/;\s*$/.test(lines[index] ?? "")) {
    while (end < lines.length - 1 && !/^[}\]);]/.test(lines[end] ?? "")) end += 1;
  }
  return { start: start + 1, end: end + 1 };
}
