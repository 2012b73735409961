import Link from "next/link";
import type { OrderView } from "@/lib/orders.ts";
import { textLink } from "@/components/ui/styles.ts";

/** One sentence on what the status means for the shopper. */
export function OrderStatusNote({ order }: { order: OrderView }) {
  switch (order.status) {
    case "pending":
      return <p className="text-stone-600">We&apos;re confirming your payment. This page updates by itself.</p>;
    case "processing":
      return <p className="text-stone-600">Your bank is processing the payment. This page updates by itself when it settles.</p>;
    case "paid":
      return (
        <p className="text-stone-600">
          Thank you! Your payment went through, exactly once. A confirmation is in your{" "}
          <Link href="/mailbox" className={textLink}>
            mailbox
          </Link>
          .
        </p>
      );
    case "refunded":
      return <p className="text-stone-600">This order was refunded.</p>;
    case "failed":
      return (
        <div role="alert" className="rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          <p className="font-semibold">
            Payment failed{order.failure ? ` (${order.failure.declineCode ?? order.failure.code})` : ""}.
          </p>
          {order.failure?.message && <p>{order.failure.message}</p>}
          <p className="mt-1">
            Nothing was charged. Your cart is still there:{" "}
            <Link href="/checkout" className={textLink}>
              try another payment method
            </Link>
            .
          </p>
        </div>
      );
  }
}
