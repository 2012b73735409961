import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { devToolsEnabled } from "@/lib/dev-tools.ts";
import { readSource, sourceQuery } from "@/lib/lab/source.ts";
import { card, textLink } from "@/components/ui/styles.ts";

export const metadata: Metadata = { title: "Source" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** One of the project's source files, with the function a lab scenario points at highlighted. */
export default async function SourcePage({ searchParams }: Props) {
  await connection();
  if (!devToolsEnabled()) notFound();
  const query = sourceQuery.safeParse(await searchParams);
  const source = query.success ? await readSource(query.data.file, query.data.symbol ?? null) : null;
  if (!source) notFound();
  const highlighted = (line: number) => source.start !== null && source.end !== null && line >= source.start && line <= source.end;
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-col gap-1">
        <Link href="/lab" className={`${textLink} text-sm`}>
          ← Lab
        </Link>
        <h1 className="font-mono text-xl font-bold text-espresso">
          {source.file}
          {source.symbol && <span className="text-coffee"> · {source.symbol}</span>}
        </h1>
        {source.symbol && (
          <p className="text-sm text-stone-600">{source.start ? `Lines ${source.start}–${source.end}` : `“${source.symbol}” is no longer in this file.`}</p>
        )}
      </div>
      <pre className={`${card} overflow-x-auto p-0 text-xs leading-5`}>
        <code>
          {source.lines.map((text, index) => {
            const line = index + 1;
            return (
              <div key={line} id={line === source.start ? "focus" : undefined} data-highlighted={highlighted(line) || undefined} className={`flex scroll-mt-24 ${highlighted(line) ? "bg-amber-50" : ""}`}>
                <span className="w-12 shrink-0 pr-3 text-right text-stone-400 select-none">{line}</span>
                <span className="pr-4 whitespace-pre">{text}</span>
              </div>
            );
          })}
        </code>
      </pre>
    </div>
  );
}
