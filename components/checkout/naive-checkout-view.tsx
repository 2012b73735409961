"use client";

import { useState } from "react";
import { placeOrderNaive } from "@/app/actions/naive-checkout.ts";
import type { PlaceOrderState } from "@/app/actions/checkout.ts";
import { formatMoney } from "@/lib/money.ts";
import type { PaymentMethodId } from "@/lib/payments/payment-methods.ts";
import { EmptyCart } from "@/components/cart/empty-cart.tsx";
import { useCart } from "@/components/cart/use-cart.ts";
import { CheckoutStatus } from "@/components/checkout/checkout-status.tsx";
import { OrderSummary } from "@/components/checkout/order-summary.tsx";
import { PayButton } from "@/components/checkout/pay-button.tsx";
import { PaymentMethodPicker } from "@/components/checkout/payment-method-picker.tsx";
import { LoadingPanel } from "@/components/ui/loading-panel.tsx";
import { card } from "@/components/ui/styles.ts";

/**
 * TEACHING ONLY: the checkout form many shops start with. The button disables itself while a
 * payment is pending, which looks safe, but nothing else guards the request: no key, no
 * in-flight check. Every submit that gets past the button is a new order and a new charge.
 */
export function NaiveCheckoutView() {
  const { data: cart } = useCart();
  const [paymentMethod, setPaymentMethod] = useState<PaymentMethodId>("pm_card_visa");
  const [state, setState] = useState<PlaceOrderState>({});

  if (!cart) return <LoadingPanel label="Loading your cart…" />;
  if (cart.items.length === 0) return <EmptyCart message="Your cart is empty — there is nothing to pay for yet." />;

  async function pay(formData: FormData) {
    setState(await placeOrderNaive({}, formData));
  }

  return (
    <div className="grid gap-8 lg:grid-cols-[1fr_22rem] lg:items-start">
      <section aria-label="Payment" className={`${card} flex flex-col gap-6 p-5 sm:p-6`}>
        <PaymentMethodPicker value={paymentMethod} onChange={setPaymentMethod} disabled={false} />
        <CheckoutStatus state={state} />
        <form action={pay} className="flex flex-col gap-3">
          <input type="hidden" name="paymentMethod" value={paymentMethod} />
          <PayButton label={`Pay ${formatMoney(cart.totalCents, cart.currency)}`} />
        </form>
      </section>
      <OrderSummary cart={cart} />
    </div>
  );
}
