"use client";

import { useActionState, useEffect, useState } from "react";
import { placeOrder, type PlaceOrderState } from "@/app/actions/checkout.ts";
import type { CartView } from "@/lib/cart.ts";
import { formatMoney } from "@/lib/money.ts";
import type { PaymentMethodId } from "@/lib/payments/payment-methods.ts";
import { EmptyCart } from "@/components/cart/empty-cart.tsx";
import { useCart } from "@/components/cart/use-cart.ts";
import { CheckoutForm } from "@/components/checkout/checkout-form.tsx";
import { OrderSummary } from "@/components/checkout/order-summary.tsx";
import { PaymentMethodPicker } from "@/components/checkout/payment-method-picker.tsx";
import { useCheckoutKey } from "@/components/checkout/use-checkout-key.ts";
import { ErrorPanel } from "@/components/ui/error-panel.tsx";
import { LoadingPanel } from "@/components/ui/loading-panel.tsx";
import { card } from "@/components/ui/styles.ts";

const INITIAL_STATE: PlaceOrderState = {};

export function CheckoutView() {
  const { data: liveCart, error, mutate } = useCart();
  const [paymentMethod, setPaymentMethod] = useState<PaymentMethodId>("pm_card_visa");
  const [state, formAction, isPending] = useActionState(placeOrder, INITIAL_STATE);

  // While a payment is in flight, show the cart it was made from: a placed order empties the
  // cart on the server, and a revalidation before the redirect must not swap the page under it.
  const [submittedCart, setSubmittedCart] = useState<CartView | null>(null);
  const cart = isPending && submittedCart ? submittedCart : liveCart;

  const idempotencyKey = useCheckoutKey(cart?.id || undefined, cart?.version, paymentMethod);

  // Any settled failure may have moved the cart (a declined card bumps its version; a changed
  // cart was the error): read it again, and a new version mints a new key. An unknown outcome
  // keeps the version, and so the key, for a safe retry.
  useEffect(() => {
    if (state.error) void mutate();
  }, [state, mutate]);

  if (!cart) {
    if (error) return <ErrorPanel message="We couldn't load your cart." onRetry={() => void mutate()} />;
    return <LoadingPanel label="Loading your cart…" />;
  }
  if (cart.items.length === 0) return <EmptyCart message="Your cart is empty — there is nothing to pay for yet." />;

  return (
    <div className="grid gap-8 lg:grid-cols-[1fr_22rem] lg:items-start">
      <section aria-label="Payment" className={`${card} flex flex-col gap-6 p-5 sm:p-6`}>
        <PaymentMethodPicker value={paymentMethod} onChange={setPaymentMethod} disabled={isPending} />
        <CheckoutForm
          formAction={formAction}
          state={state}
          isPending={isPending}
          idempotencyKey={idempotencyKey}
          cartVersion={cart.version}
          paymentMethod={paymentMethod}
          amount={formatMoney(cart.totalCents, cart.currency)}
          onSubmitted={() => setSubmittedCart(cart)}
        />
      </section>
      <OrderSummary cart={cart} />
    </div>
  );
}
