import { useEffect, useRef, useState, type FormEvent } from "react";
import { rememberSubmission } from "@/components/checkout/pending-submission.ts";
import { paymentMethodSchema } from "@/lib/payments/payment-methods.ts";

/**
 * One payment request at a time from this page. `isPending` only flips after React commits a
 * render, so two submits in one tick (a double-click, a script) would both go out: the ref
 * closes that gap. Correctness never depends on it, the server dedupes by idempotency key;
 * it keeps the shopper's page calm and the server's log short.
 *
 * Each submission that does go out is remembered (see pending-submission.ts) before it leaves,
 * exactly as the form sends it.
 */
export function useSubmitGuard(isPending: boolean, settled: unknown) {
  const submitting = useRef(false);
  const [lastKey, setLastKey] = useState<string | null>(null);

  useEffect(() => {
    if (!isPending) submitting.current = false;
  }, [isPending, settled]);

  function guard(event: FormEvent<HTMLFormElement>, cartId: string): boolean {
    const fields = new FormData(event.currentTarget);
    const key = fields.get("idempotencyKey");
    const cartVersion = Number(fields.get("cartVersion"));
    const paymentMethod = paymentMethodSchema.safeParse(fields.get("paymentMethod"));
    if (submitting.current || typeof key !== "string" || !key || !Number.isInteger(cartVersion) || !paymentMethod.success) {
      event.preventDefault();
      return false;
    }
    submitting.current = true;
    rememberSubmission({ cartId, cartVersion, key, paymentMethod: paymentMethod.data });
    setLastKey(key);
    return true;
  }

  /** `lastKey`: the key of the latest request that went out, to tell a retry from a new payment. */
  return { guard, lastKey };
}
