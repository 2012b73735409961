import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

const ROOTS = ["lib/", "app/", "components/", "payments-server/src/", "mailer/"];

/** Only the project's own source files, by a relative path without `..`: the lab never reads anything else. */
export function isReadableSource(file: string): boolean {
  const normalised = path.posix.normalize(file);
  return normalised === file && !file.includes("..") && ROOTS.some((root) => file.startsWith(root)) && /\.(ts|tsx)$/.test(file) && !file.startsWith("lib/generated/");
}

/**
 * The source viewer's query: a file, and a symbol that must be an identifier (it is looked up
 * as text, never compiled into a pattern, so a crafted value can neither fail nor backtrack).
 */
export const sourceQuery = z.object({
  file: z.string().max(300),
  symbol: z.string().regex(/^[A-Za-z_$][\w$]{0,99}$/, "symbol must be an identifier").optional(),
});

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

const MODIFIERS = ["export ", "default ", "async "];
const KINDS = ["function ", "const ", "class ", "type "];

/** Whether a line starts the top-level declaration of `symbol` (`export async function symbol(`, `const symbol =`, ...). */
function declares(line: string, symbol: string): boolean {
  let rest = line;
  for (const modifier of MODIFIERS) if (rest.startsWith(modifier)) rest = rest.slice(modifier.length);
  const kind = KINDS.find((candidate) => rest.startsWith(candidate));
  if (!kind || !rest.startsWith(symbol, kind.length)) return false;
  // The whole name: `checkout` must not find `checkoutResponse`.
  return !/[\w$]/.test(rest.charAt(kind.length + symbol.length));
}

/** 1-based first and last line of a top-level declaration, from its doc comment to its closing line. */
export function locate(lines: string[], symbol: string): { start: number; end: number } | null {
  const index = lines.findIndex((line) => declares(line, symbol));
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
