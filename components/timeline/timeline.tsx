import type { TimelineActor, TimelineRow } from "@/components/timeline/rows.ts";

const ACTOR_STYLE: Record<TimelineActor, string> = {
  lab: "bg-white text-stone-600 ring-1 ring-stone-300",
  shopper: "bg-sky-100 text-sky-900",
  shop: "bg-amber-100 text-amber-900",
  stripe: "bg-violet-100 text-violet-900",
  webhook: "bg-emerald-100 text-emerald-900",
  outbox: "bg-stone-200 text-stone-800",
  mailer: "bg-teal-100 text-teal-900",
  completer: "bg-rose-100 text-rose-900",
};

const TONE_STYLE: Record<TimelineRow["tone"], string> = {
  good: "border-l-emerald-500",
  warn: "border-l-amber-500",
  bad: "border-l-red-500",
  info: "border-l-stone-300",
};

/** Every step, oldest first, with the time since the first: what happened to a checkout and who did it. */
export function Timeline({ rows, label = "Timeline" }: { rows: TimelineRow[]; label?: string }) {
  if (rows.length === 0) return <p className="text-sm text-stone-500">No steps yet.</p>;
  const start = Date.parse(rows[0]!.at);
  return (
    <ol aria-label={label} data-testid="timeline" className="flex flex-col gap-1.5">
      {rows.map((row) => (
        <li key={row.id} data-kind={row.kind} data-actor={row.actor} className={`grid grid-cols-[4.5rem_6rem_1fr] items-baseline gap-2 border-l-4 bg-white py-1.5 pr-2 pl-2 text-sm ${TONE_STYLE[row.tone]}`}>
          <span className="font-mono text-xs text-stone-500">+{((Date.parse(row.at) - start) / 1000).toFixed(2)} s</span>
          <span className={`justify-self-start rounded-full px-2 py-0.5 text-xs font-semibold ${ACTOR_STYLE[row.actor]}`}>{row.actor}</span>
          <span className="[overflow-wrap:anywhere] text-stone-800">{row.text}</span>
        </li>
      ))}
    </ol>
  );
}
