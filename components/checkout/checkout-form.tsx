"use client";

import type { FormEvent } from "react";
import { CheckoutStatus } from "@/components/checkout/checkout-status.tsx";
import { IdempotencyKeyNote } from "@/components/checkout/idempotency-key-note.tsx";
import { PayButton } from "@/components/checkout/pay-button.tsx";
import type { CheckoutState } from "@/components/checkout/submit-checkout.ts";
import { primaryButton } from "@/components/ui/styles.ts";

type Props = {
  formAction: (formData: FormData) => void;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  state: CheckoutState;
  idempotencyKey: string | null;
  cartVersion: number;
  paymentMethod: string;
  label: string;
};

/**
 * The Pay form. The payment method radios live outside it: React resets a form after its
 * action settles, and the key must not drift from the radio the shopper sees.
 */
export function CheckoutForm({ formAction, onSubmit, state, idempotencyKey, cartVersion, paymentMethod, label }: Props) {
  return (
    <div className="flex flex-col gap-4">
      <IdempotencyKeyNote idempotencyKey={idempotencyKey} />
      <CheckoutStatus state={state} />
      {idempotencyKey ? (
        <form action={formAction} onSubmit={onSubmit} className="flex flex-col gap-3">
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
