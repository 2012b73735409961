"use client";

import useSWR from "swr";
import type { OrderStatusName, TimelineEvent } from "@/lib/audit-events.ts";
import { fetchJson, type FetchError } from "@/components/swr.ts";
import { auditRows } from "@/components/timeline/rows.ts";
import { Timeline } from "@/components/timeline/timeline.tsx";
import { card } from "@/components/ui/styles.ts";

/**
 * What happened to this order, step by step, from the audit table: claims of its key (first,
 * replayed, in flight), recovery points, Stripe calls with their derived keys, webhooks, messages.
 * Polled while the order is unsettled, and for a paid order until its confirmation is sent.
 */
export function OrderTimeline({ orderId, status }: { orderId: string; status: OrderStatusName }) {
  const { data, error } = useSWR<{ timeline: TimelineEvent[] }, FetchError>(`/api/orders/${encodeURIComponent(orderId)}/timeline`, fetchJson, {
    refreshInterval: (latest) => (status === "pending" || status === "processing" || (status === "paid" && !confirmationSent(latest?.timeline)) ? 1000 : 0),
  });
  return (
    <section aria-labelledby="order-timeline" className={`${card} flex flex-col gap-3 p-5`}>
      <div>
        <h2 id="order-timeline" className="text-lg font-semibold text-stone-900">
          What happened
        </h2>
        <p className="text-sm text-stone-600">Each step is written in the same database transaction as the change it records.</p>
      </div>
      {error ? <p className="text-sm text-red-800">The timeline could not be loaded.</p> : data ? <Timeline rows={auditRows(data.timeline)} label="Order timeline" /> : <p className="text-sm text-stone-500">Loading…</p>}
    </section>
  );
}

const confirmationSent = (timeline: TimelineEvent[] | undefined) => timeline?.some((event) => event.kind === "mail" && event.detail.result === "delivered") ?? false;
