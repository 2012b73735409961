import { describeEvent, type Actor } from "@/lib/audit-events.ts";
import type { AdminMetricsResponse } from "@/lib/metrics-history.ts";
import { card } from "@/components/ui/styles.ts";

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

const TONES = { good: "bg-emerald-500", warn: "bg-amber-500", bad: "bg-red-500", info: "bg-stone-400" } as const;

const ACTORS: Record<Actor, string> = {
  shop: "bg-stone-100 text-stone-700 ring-stone-300",
  stripe: "bg-indigo-50 text-indigo-800 ring-indigo-200",
  webhook: "bg-sky-50 text-sky-800 ring-sky-200",
  outbox: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  mailer: "bg-teal-50 text-teal-800 ring-teal-200",
  completer: "bg-amber-50 text-amber-800 ring-amber-200",
};

/** The latest audit steps of every scope, newest first: scopes as hashes, shoppers' keys hidden. */
export function RecentSteps({ timeline }: Pick<AdminMetricsResponse, "timeline">) {
  return (
    <section aria-labelledby="recent-steps" className={`${card} flex flex-col gap-3 p-5`}>
      <h2 id="recent-steps" className="text-lg font-semibold text-stone-900">
        Recent steps
      </h2>
      {timeline.length === 0 ? (
        <p className="text-sm text-stone-600">No steps recorded yet. Place an order and its claim, recovery points and Stripe calls appear here.</p>
      ) : (
        <ol className="flex flex-col divide-y divide-stone-100" data-testid="recent-steps">
          {timeline.map((event) => {
            const { actor, text, tone } = describeEvent(event);
            return (
              <li key={event.id} className="grid grid-cols-[auto_auto_1fr] items-baseline gap-x-3 gap-y-1 py-2 text-sm sm:grid-cols-[5.5rem_6rem_1fr_auto]">
                <time dateTime={event.at} suppressHydrationWarning className="font-mono text-xs tabular-nums text-stone-500">
                  {clock.format(new Date(event.at))}
                </time>
                <span className={`inline-flex w-fit items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${ACTORS[actor]}`}>
                  <span aria-hidden="true" className={`size-1.5 rounded-full ${TONES[tone]}`} />
                  {actor}
                </span>
                <span className="text-stone-800">{text}</span>
                <span className="col-span-3 font-mono text-xs text-stone-400 sm:col-span-1" title="Scope hash · order">
                  {event.scopeHash}
                  {event.orderId && ` · ${event.orderId}`}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
