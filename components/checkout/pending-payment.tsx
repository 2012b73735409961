"use client";

import type { FormEvent } from "react";
import { IdempotencyKeyNote } from "@/components/checkout/idempotency-key-note.tsx";
import { PayButton } from "@/components/checkout/pay-button.tsx";
import type { PendingSubmission } from "@/components/checkout/pending-submission.ts";

type Props = {
  submission: PendingSubmission;
  connectionLost: boolean;
  formAction: (formData: FormData) => void;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
};

/**
 * A payment this browser sent without hearing back. The only way forward offered is to send
 * exactly that request again (same key, cart version and payment method): the server answers
 * with what became of it, and finishes it if it was cut short. A new key here could only ever
 * mean a second checkout of the same cart.
 */
export function PendingPayment({ submission, connectionLost, formAction, onSubmit }: Props) {
  return (
    <div className="flex flex-col gap-4">
      <div
        role={connectionLost ? "alert" : "status"}
        className="flex flex-col gap-1.5 rounded-xl border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900"
      >
        <p className="font-semibold">
          {connectionLost ? "Connection lost — retrying is safe." : "Your last payment was not confirmed yet — checking it is safe."}
        </p>
        <p>
          {connectionLost
            ? "Your payment was sent, but the answer never reached this page, so it may or may not have gone through."
            : "This browser sent a payment and never got its answer (the page was reloaded or closed, or the connection dropped)."}{" "}
          Checking sends the very same request again, with the same idempotency key: you will not be charged twice, and you will see the order
          it made.
        </p>
      </div>
      <IdempotencyKeyNote idempotencyKey={submission.key} />
      <form action={formAction} onSubmit={onSubmit} className="flex flex-col gap-3">
        <input type="hidden" name="idempotencyKey" value={submission.key} />
        <input type="hidden" name="cartVersion" value={submission.cartVersion} />
        <input type="hidden" name="paymentMethod" value={submission.paymentMethod} />
        <PayButton label="Check / retry your payment" />
      </form>
    </div>
  );
}
