import Link from "next/link";
import type { CheckoutState } from "@/components/checkout/submit-checkout.ts";
import { textLink } from "@/components/ui/styles.ts";

/** The outcome of the last attempt, announced politely; errors are alerts. */
export function CheckoutStatus({ state }: { state: CheckoutState }) {
  const { error, failedOrderId, retrySafe } = state;
  return (
    <div aria-live="polite">
      {error && (
        <div role="alert" className="flex flex-col gap-1.5 rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          {retrySafe ? (
            <p className="font-semibold">
              We couldn&apos;t confirm your payment. Its status is unknown — paying again is safe: you will not be charged twice.
            </p>
          ) : error.code === "idempotency_key_reused" ? (
            <p className="font-semibold">This payment was refused: its idempotency key belongs to a different checkout. Nothing was charged.</p>
          ) : failedOrderId ? (
            <p className="font-semibold">
              {error.type === "card_error" ? "Your card was declined" : "Your payment failed"} ({error.declineCode ?? error.code ?? error.type}).
            </p>
          ) : null}
          <p>{error.message}</p>
          {failedOrderId && (
            <p>
              <Link href={`/orders/${failedOrderId}`} className={textLink}>
                View failed order
              </Link>{" "}
              — or choose another payment method and pay again.
            </p>
          )}
        </div>
      )}
    </div>
  );
}
