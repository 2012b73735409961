import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { devToolsEnabled, labPaymentsUrl } from "@/lib/dev-tools.ts";
import { findScenario, SCENARIOS } from "@/lib/lab/catalog.ts";
import { LabConsole } from "@/components/lab/lab-console.tsx";

export const metadata: Metadata = { title: "Lab" };

type Props = { searchParams: Promise<{ scenario?: string }> };

/** The teaching lab: run each duplicate scenario against this shop and watch what protects the shopper. */
export default async function LabPage({ searchParams }: Props) {
  await connection();
  if (!devToolsEnabled()) notFound();
  const initial = findScenario((await searchParams).scenario ?? "")?.id ?? SCENARIOS[0]!.id;
  return (
    <div className="flex flex-col gap-6">
      <div className="flex max-w-3xl flex-col gap-2">
        <h1 className="text-3xl font-bold tracking-tight text-espresso">Lab: watch exactly-once happen</h1>
        <p className="text-stone-600">
          Each scenario sends real requests to this shop&apos;s checkout API and makes the local payments server misbehave on cue. Nothing is
          simulated in the browser: the timeline is read from the shop&apos;s audit table, written in the same transactions as the changes it
          shows, and the counts come from the database and the payments server.
        </p>
      </div>
      <LabConsole scenarios={SCENARIOS} initialScenario={initial} available={labPaymentsUrl() !== null} />
    </div>
  );
}
