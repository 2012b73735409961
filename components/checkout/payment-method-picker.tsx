import { PAYMENT_METHODS, type PaymentMethodId } from "@/lib/payments/payment-methods.ts";

/** Stripe's test payment methods as a radio group. Controlled, and deliberately outside the <form> (see CheckoutForm). */
export function PaymentMethodPicker({ value, onChange, disabled }: { value: PaymentMethodId; onChange: (id: PaymentMethodId) => void; disabled: boolean }) {
  return (
    <fieldset disabled={disabled} className="flex flex-col gap-2">
      <legend className="mb-3 text-lg font-semibold text-stone-900">Payment method</legend>
      {PAYMENT_METHODS.map((method) => (
        <label
          key={method.id}
          className="flex cursor-pointer items-start gap-3 rounded-xl border border-stone-200 bg-white px-4 py-3 transition hover:border-stone-300 has-checked:border-espresso has-checked:bg-stone-50 has-disabled:cursor-not-allowed"
        >
          <input
            type="radio"
            name="paymentMethod"
            value={method.id}
            checked={value === method.id}
            onChange={() => onChange(method.id)}
            aria-describedby={`${method.id}-note`}
            className="mt-1 accent-espresso"
          />
          <span className="flex flex-col">
            <span className="font-medium text-stone-900">{method.label}</span>
            {/* A description, not part of the name: "Card declined" must name one radio only. */}
            <span id={`${method.id}-note`} aria-hidden="true" className="text-sm text-stone-500">
              {method.note}
            </span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
