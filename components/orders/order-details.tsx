"use client";

import { useCallback } from "react";
import useSWR from "swr";
import type { OrderView } from "@/lib/orders.ts";
import { PAYMENT_METHODS } from "@/lib/payments/payment-methods.ts";
import { OrderActions } from "@/components/orders/order-actions.tsx";
import { OrderItems } from "@/components/orders/order-items.tsx";
import { OrderStatusBadge } from "@/components/orders/order-status-badge.tsx";
import { OrderStatusNote } from "@/components/orders/order-status-note.tsx";
import { OrderTimeline } from "@/components/orders/order-timeline.tsx";
import { fetchJson, orderKey, type FetchError } from "@/components/swr.ts";
import { LocalTime } from "@/components/ui/local-time.tsx";
import { card } from "@/components/ui/styles.ts";

type OrderResponse = { order: OrderView };

const unsettled = (response: OrderResponse | undefined) => response?.order.status === "pending" || response?.order.status === "processing";

/**
 * The order as the server rendered it, then kept fresh from GET /api/orders/[id]: polled every
 * second while the payment is unsettled, so a "processing" order turns "Paid" when the webhook lands.
 */
export function OrderDetails({ initialOrder }: { initialOrder: OrderView }) {
  // SWR asks with its cache, which starts empty (fallbackData is not cached): fall back to the
  // server-rendered order, or polling would never start.
  const refreshInterval = useCallback((latest: OrderResponse | undefined) => (unsettled(latest ?? { order: initialOrder }) ? 1000 : 0), [initialOrder]);
  const { data } = useSWR<OrderResponse, FetchError>(orderKey(initialOrder.id), fetchJson, { fallbackData: { order: initialOrder }, refreshInterval });
  const order = data?.order ?? initialOrder;
  const method = PAYMENT_METHODS.find((candidate) => candidate.id === order.paymentMethod);

  return (
    <div className="flex flex-col gap-6">
      <header className="flex flex-col gap-3">
        <div className="flex flex-wrap items-center gap-3">
          <h1 className="[overflow-wrap:anywhere] text-2xl font-bold tracking-tight text-espresso sm:text-3xl">Order {order.id}</h1>
          <p aria-live="polite" aria-atomic="true">
            <span className="sr-only">Status: </span>
            <OrderStatusBadge status={order.status} />
          </p>
        </div>
        <OrderStatusNote order={order} />
      </header>

      <div className="grid gap-6 lg:grid-cols-[1fr_20rem] lg:items-start">
        <section aria-labelledby="order-items" className={`${card} p-5`}>
          <h2 id="order-items" className="mb-2 text-lg font-semibold text-stone-900">
            Items
          </h2>
          <OrderItems order={order} />
        </section>

        <section aria-labelledby="order-payment" className={`${card} flex flex-col gap-4 p-5`}>
          <h2 id="order-payment" className="text-lg font-semibold text-stone-900">
            Payment
          </h2>
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
            <dt className="text-stone-500">Placed</dt>
            <dd>
              <LocalTime iso={order.createdAt} />
            </dd>
            <dt className="text-stone-500">Method</dt>
            <dd>{method?.label ?? order.paymentMethod}</dd>
            <dt className="text-stone-500">Payment intent</dt>
            <dd className="break-all font-mono text-xs leading-5" data-testid="payment-intent-id">
              {order.paymentIntentId ?? "—"}
            </dd>
            {order.failure && (
              <>
                <dt className="text-stone-500">Failure</dt>
                <dd className="text-red-800">
                  {order.failure.message ?? "Payment failed"}{" "}
                  <span className="font-mono text-xs">({[order.failure.code, order.failure.declineCode].filter(Boolean).join(" / ")})</span>
                </dd>
              </>
            )}
          </dl>
          {/* Refund button slot: see components/orders/order-actions.tsx */}
          <OrderActions order={order} />
        </section>
      </div>

      <OrderTimeline orderId={order.id} status={order.status} />
    </div>
  );
}
