import { describe, expect, it } from "vitest";
import { SCENARIO_IDS, SCENARIOS } from "@/lib/lab/catalog.ts";
import { isReadableSource, locate, readSource, sourceQuery } from "@/lib/lab/source.ts";
import { SCENARIO_RUNS } from "@/lib/lab/scenarios.ts";

describe("the lab's scenarios", () => {
  it("describe and run every scenario id exactly once", () => {
    expect(SCENARIOS.map((scenario) => scenario.id).sort()).toEqual([...SCENARIO_IDS].sort());
    expect(Object.keys(SCENARIO_RUNS).sort()).toEqual([...SCENARIO_IDS].sort());
  });

  it.each(SCENARIOS.flatMap((scenario) => scenario.code.map((ref) => [scenario.id, ref.file, ref.symbol] as const)))(
    "%s points at code that exists: %s · %s",
    async (_scenario, file, symbol) => {
      const source = await readSource(file, symbol);
      expect(source, `${file} is readable`).not.toBeNull();
      expect(source!.start, `${symbol} is declared in ${file}`).not.toBeNull();
    },
  );
});

describe("the lab's source viewer", () => {
  it("reads only the project's own source files", () => {
    expect(isReadableSource("lib/idempotency.ts")).toBe(true);
    expect(isReadableSource("lib/../.env")).toBe(false);
    expect(isReadableSource("../shared/DESIGN.md")).toBe(false);
    expect(isReadableSource("/etc/passwd")).toBe(false);
    expect(isReadableSource(".env.example")).toBe(false);
    expect(isReadableSource("lib/generated/prisma/client.ts")).toBe(false);
    expect(isReadableSource("lib/./idempotency.ts")).toBe(false);
  });

  it("locates a function from its doc comment to its closing brace", () => {
    const lines = ["import x from 'y';", "", "/** Says hi. */", "export async function hello(name: string) {", "  return `hi ${name}`;", "}", "", "const other = 1;"];
    expect(locate(lines, "hello")).toEqual({ start: 3, end: 6 });
    expect(locate(lines, "other")).toEqual({ start: 8, end: 8 });
    expect(locate(lines, "missing")).toBeNull();
  });

  it("looks a symbol up as text: a pattern matches nothing, breaks nothing, and the viewer's query refuses it", () => {
    const lines = ["/** Says hi. */", "export async function hello(name: string) {", "  return `hi ${name}`;", "}", "export const helloAgain = 1;"];
    for (const hostile of [".*", "hel+o", "hello|x", "(", "[", "(a+)+$", "hello\\b"]) {
      expect(locate(lines, hostile), hostile).toBeNull();
      expect(sourceQuery.safeParse({ file: "lib/idempotency.ts", symbol: hostile }).success, hostile).toBe(false);
    }
    expect(locate(lines, "hello")).toEqual({ start: 1, end: 4 });
    expect(locate(lines, "helloAgain")).toEqual({ start: 5, end: 5 });
    expect(locate(lines, "hell")).toBeNull();
    expect(sourceQuery.safeParse({ file: "lib/idempotency.ts", symbol: "claim" }).success).toBe(true);
    expect(sourceQuery.safeParse({ file: "lib/idempotency.ts", symbol: ["claim", "x"] }).success).toBe(false);
  });
});

