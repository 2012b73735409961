import Link from "next/link";
import type { ScenarioInfo } from "@/lib/lab/catalog.ts";
import { textLink } from "@/components/ui/styles.ts";

/** What the scenario breaks, what protects the shopper, and where that lives in the code. */
export function ScenarioDetails({ scenario }: { scenario: ScenarioInfo }) {
  return (
    <div className="flex flex-col gap-4">
      <h2 className="text-2xl font-bold tracking-tight text-espresso">{scenario.title}</h2>
      <dl className="grid gap-3 text-sm sm:grid-cols-[8rem_1fr]">
        <dt className="font-semibold text-stone-500">What goes wrong</dt>
        <dd className="text-stone-800">{scenario.failure}</dd>
        <dt className="font-semibold text-stone-500">What protects you</dt>
        <dd className="text-stone-800">{scenario.protection}</dd>
        <dt className="font-semibold text-stone-500">In the code</dt>
        <dd>
          <ul className="flex flex-col gap-1" aria-label="Code that handles it">
            {scenario.code.map((ref) => (
              <li key={`${ref.file}:${ref.symbol}`}>
                <Link className={`${textLink} font-mono text-xs`} href={`/lab/source?${new URLSearchParams({ file: ref.file, symbol: ref.symbol })}#focus`}>
                  {ref.file} · {ref.symbol}
                </Link>{" "}
                <span className="text-stone-600">— {ref.why}</span>
              </li>
            ))}
          </ul>
        </dd>
        <dt className="font-semibold text-stone-500">Browser test</dt>
        <dd className="font-mono text-xs text-stone-700">{scenario.e2e}</dd>
      </dl>
    </div>
  );
}
