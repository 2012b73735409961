"use client";

import { useState, useTransition } from "react";
import { useSWRConfig } from "swr";
import { refundMyOrder } from "@/app/actions/orders.ts";
import { orderKey } from "@/components/swr.ts";
import type { OrderView } from "@/lib/orders.ts";

/** Actions on a placed order: a Refund button for paid orders. Clicking it twice refunds once. */
export function OrderActions({ order }: { order: OrderView }) {
  const { mutate } = useSWRConfig();
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<string | null>(null);
  if (order.status !== "paid") return null;

  function refund() {
    setMessage(null);
    startTransition(async () => {
      const result = await refundMyOrder(order.id);
      if (result.error) setMessage(result.error.message);
      await mutate(orderKey(order.id));
    });
  }

  return (
    <div className="flex flex-col gap-2">
      <button
        type="button"
        onClick={refund}
        disabled={pending}
        className="inline-flex items-center justify-center rounded-full border border-stone-300 bg-white px-5 py-2.5 text-sm font-semibold text-espresso transition hover:border-stone-400 disabled:opacity-60"
      >
        {pending ? "Refunding…" : "Refund order"}
      </button>
      <p role="status" aria-live="polite" className="min-h-5 text-xs text-red-700">
        {message}
      </p>
    </div>
  );
}
