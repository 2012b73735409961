"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import type { PlaceOrderState } from "@/app/actions/checkout.ts";
import { CheckoutStatus } from "@/components/checkout/checkout-status.tsx";
import { IdempotencyKeyNote } from "@/components/checkout/idempotency-key-note.tsx";
import { PayButton } from "@/components/checkout/pay-button.tsx";
import { primaryButton } from "@/components/ui/styles.ts";

type Props = {
  formAction: (formData: FormData) => void;
  state: PlaceOrderState;
  isPending: boolean;
  idempotencyKey: string | null;
  cartVersion: number;
  paymentMethod: string;
  amount: string;
  onSubmitted: () => void;
};

/**
 * The Pay form. The payment method radios live outside it: React resets a form after its
 * action settles, and the key must not drift from the radio the shopper sees.
 */
export function CheckoutForm({ formAction, state, isPending, idempotencyKey, cartVersion, paymentMethod, amount, onSubmitted }: Props) {
  // `pending` only flips after React commits a render, so two clicks in one tick would both
  // submit. This ref closes that gap in the UI; correctness never depends on it: the server
  // dedupes by idempotency key.
  const submitting = useRef(false);
  const [submittedKey, setSubmittedKey] = useState<string | null>(null);

  useEffect(() => {
    if (!isPending) submitting.current = false;
  }, [isPending, state]);

  function guard(event: FormEvent<HTMLFormElement>) {
    if (submitting.current || !idempotencyKey) {
      event.preventDefault();
      return;
    }
    submitting.current = true;
    setSubmittedKey(idempotencyKey);
    onSubmitted();
  }

  // "Try again" only while the unknown outcome belongs to the key we would send again.
  const label = state.retrySafe && submittedKey === idempotencyKey ? "Try again" : `Pay ${amount}`;

  return (
    <div className="flex flex-col gap-4">
      <IdempotencyKeyNote idempotencyKey={idempotencyKey} />
      <CheckoutStatus state={state} />
      {idempotencyKey ? (
        <form action={formAction} onSubmit={guard} className="flex flex-col gap-3">
          <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
          <input type="hidden" name="cartVersion" value={cartVersion} />
          <input type="hidden" name="paymentMethod" value={paymentMethod} />
          <PayButton label={label} />
        </form>
      ) : (
        // No form until the key is ready: a payment must never go out without one.
        <button type="button" disabled className={`${primaryButton} w-full py-3 text-base`}>
          {label}
        </button>
      )}
    </div>
  );
}
