"use client";

import { useActionState, useEffect, useState } from "react";
import type { CartView } from "@/lib/cart.ts";
import { formatMoney } from "@/lib/money.ts";
import type { PaymentMethodId } from "@/lib/payments/payment-methods.ts";
import { EmptyCart } from "@/components/cart/empty-cart.tsx";
import { useCart } from "@/components/cart/use-cart.ts";
import { CheckoutForm } from "@/components/checkout/checkout-form.tsx";
import { OrderSummary } from "@/components/checkout/order-summary.tsx";
import { PaymentMethodPicker } from "@/components/checkout/payment-method-picker.tsx";
import { PendingPayment } from "@/components/checkout/pending-payment.tsx";
import { usePendingSubmission } from "@/components/checkout/pending-submission.ts";
import { submitCheckout, type CheckoutState } from "@/components/checkout/submit-checkout.ts";
import { useCheckoutKey } from "@/components/checkout/use-checkout-key.ts";
import { useSubmitGuard } from "@/components/checkout/use-submit-guard.ts";
import { ErrorPanel } from "@/components/ui/error-panel.tsx";
import { LoadingPanel } from "@/components/ui/loading-panel.tsx";
import { card } from "@/components/ui/styles.ts";

const INITIAL_STATE: CheckoutState = {};

export function CheckoutView() {
  const { data: liveCart, error, mutate } = useCart();
  const [paymentMethod, setPaymentMethod] = useState<PaymentMethodId>("pm_card_visa");
  const [state, formAction, isPending] = useActionState(submitCheckout, INITIAL_STATE);
  const { guard, lastKey } = useSubmitGuard(isPending, state);

  // While a payment is in flight, show the cart it was made from: a placed order empties the
  // cart on the server, and a revalidation before the redirect must not swap the page under it.
  const [submittedCart, setSubmittedCart] = useState<CartView | null>(null);
  const cart = isPending && submittedCart ? submittedCart : liveCart;

  const idempotencyKey = useCheckoutKey(cart?.id || undefined, cart?.version, paymentMethod);
  // A payment sent from this browser whose answer never arrived (lost connection, reload).
  const pending = usePendingSubmission(cart?.id || undefined);
  const unanswered = isPending ? null : pending;

  // Any settled failure may have moved the cart (a declined card bumps its version; a changed
  // cart was the error; a lost answer may hide a placed order): read it again. A new version
  // mints a new key; an unknown outcome keeps the version, and so the key, for a safe retry.
  useEffect(() => {
    if (state.error) void mutate();
  }, [state, mutate]);

  if (!cart) {
    if (error) return <ErrorPanel message="We couldn't load your cart." onRetry={() => void mutate()} />;
    return <LoadingPanel label="Loading your cart…" />;
  }

  const pendingPayment = unanswered && (
    <PendingPayment
      submission={unanswered}
      connectionLost={Boolean(state.connectionLost)}
      formAction={formAction}
      onSubmit={(event) => guard(event, unanswered.cartId)}
    />
  );
  // The cart a lost answer placed is empty now; the unanswered payment still needs checking.
  if (cart.items.length === 0) {
    if (pendingPayment) return <section aria-label="Payment" className={`${card} flex max-w-2xl flex-col gap-6 p-5 sm:p-6`}>{pendingPayment}</section>;
    return <EmptyCart message="Your cart is empty — there is nothing to pay for yet." />;
  }

  const amount = formatMoney(cart.totalCents, cart.currency);
  // "Try again" only while the unknown outcome belongs to the key we would send again.
  const label = state.retrySafe && lastKey === idempotencyKey ? "Try again" : `Pay ${amount}`;

  return (
    <div className="grid gap-8 lg:grid-cols-[1fr_22rem] lg:items-start">
      <section aria-label="Payment" className={`${card} flex flex-col gap-6 p-5 sm:p-6`}>
        <PaymentMethodPicker value={paymentMethod} onChange={setPaymentMethod} disabled={isPending || Boolean(unanswered)} />
        {pendingPayment || (
          <CheckoutForm
            formAction={formAction}
            onSubmit={(event) => {
              if (guard(event, cart.id)) setSubmittedCart(cart);
            }}
            state={state}
            idempotencyKey={idempotencyKey}
            cartVersion={cart.version}
            paymentMethod={paymentMethod}
            label={label}
          />
        )}
      </section>
      <OrderSummary cart={cart} />
    </div>
  );
}
