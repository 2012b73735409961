"use client";

import { useState } from "react";
import type { ScenarioId, ScenarioInfo } from "@/lib/lab/catalog.ts";
import { RunPanel } from "@/components/lab/run-panel.tsx";
import { ScenarioDetails } from "@/components/lab/scenario-details.tsx";
import { card, primaryButton } from "@/components/ui/styles.ts";

/** Pick a scenario, read what it models, run it against this shop, watch the timeline. */
export function LabConsole({ scenarios, initialScenario, available }: { scenarios: ScenarioInfo[]; initialScenario: ScenarioId; available: boolean }) {
  const [selected, setSelected] = useState(initialScenario);
  const [runs, setRuns] = useState<Partial<Record<ScenarioId, string>>>({});
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const scenario = scenarios.find((candidate) => candidate.id === selected)!;
  const runId = runs[selected];

  async function start() {
    setStarting(true);
    setError(null);
    try {
      const response = await fetch("/api/lab/runs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ scenario: selected }) });
      const body = (await response.json()) as { run?: { id: string }; error?: { message: string } };
      if (!response.ok || !body.run) throw new Error(body.error?.message ?? `The lab answered ${response.status}`);
      setRuns((current) => ({ ...current, [selected]: body.run!.id }));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setStarting(false);
    }
  }

  return (
    <div className="grid gap-6 lg:grid-cols-[16rem_1fr] lg:items-start">
      <nav aria-label="Scenarios" className={`${card} p-2`}>
        <ul className="flex flex-col gap-1">
          {scenarios.map((candidate) => (
            <li key={candidate.id}>
              <button
                type="button"
                aria-pressed={candidate.id === selected}
                onClick={() => setSelected(candidate.id)}
                className="w-full rounded-xl px-3 py-2 text-left text-sm font-medium text-stone-700 transition hover:bg-stone-100 aria-pressed:bg-espresso aria-pressed:text-white"
              >
                {candidate.title}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <section aria-label={scenario.title} className={`${card} flex flex-col gap-6 p-5`}>
        <ScenarioDetails scenario={scenario} />
        <div className="flex flex-wrap items-center gap-3">
          <button type="button" className={primaryButton} onClick={start} disabled={!available || starting}>
            {starting ? "Starting…" : runId ? "Run again" : "Run this scenario"}
          </button>
          {!available && <p className="text-sm text-stone-600">The lab needs the local payments server; this shop is talking to real Stripe.</p>}
          {error && (
            <p role="alert" className="text-sm text-red-800">
              {error}
            </p>
          )}
        </div>
        {runId && <RunPanel key={runId} runId={runId} />}
      </section>
    </div>
  );
}
