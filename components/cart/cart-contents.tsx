"use client";

import Link from "next/link";
import { formatMoney } from "@/lib/money.ts";
import { CartLine } from "@/components/cart/cart-line.tsx";
import { EmptyCart } from "@/components/cart/empty-cart.tsx";
import { useCart } from "@/components/cart/use-cart.ts";
import { useSetQuantity } from "@/components/cart/use-set-quantity.ts";
import { ErrorPanel } from "@/components/ui/error-panel.tsx";
import { LoadingPanel } from "@/components/ui/loading-panel.tsx";
import { card, primaryButton, textLink } from "@/components/ui/styles.ts";

export function CartContents({ maxQuantity }: { maxQuantity: number }) {
  const { data: cart, error, mutate } = useCart();
  const { update, error: updateError } = useSetQuantity();

  if (!cart) {
    if (error) return <ErrorPanel message="We couldn't load your cart." onRetry={() => void mutate()} />;
    return <LoadingPanel label="Loading your cart…" />;
  }
  if (cart.items.length === 0) return <EmptyCart />;

  return (
    <div className="grid gap-8 lg:grid-cols-[1fr_20rem] lg:items-start">
      <section aria-labelledby="cart-lines" className={`${card} px-5`}>
        <h2 id="cart-lines" className="sr-only">
          Items
        </h2>
        <ul className="divide-y divide-stone-200">
          {cart.items.map((item) => (
            <CartLine key={item.slug} item={item} maxQuantity={maxQuantity} onQuantity={(quantity) => void update(cart, item.slug, quantity)} />
          ))}
        </ul>
      </section>
      <aside aria-labelledby="cart-summary" className={`${card} flex flex-col gap-4 p-5`}>
        <h2 id="cart-summary" className="text-lg font-semibold text-stone-900">
          Summary
        </h2>
        <dl className="flex items-baseline justify-between">
          <dt className="text-stone-600">
            Total ({cart.count} {cart.count === 1 ? "item" : "items"})
          </dt>
          <dd className="text-xl font-bold tabular-nums text-espresso" data-testid="cart-total">
            {formatMoney(cart.totalCents, cart.currency)}
          </dd>
        </dl>
        <div role="alert" className="text-sm text-red-700">
          {updateError}
        </div>
        <Link href="/checkout" className={primaryButton}>
          Proceed to checkout
        </Link>
        <Link href="/" className={`${textLink} text-center text-sm`}>
          Continue shopping
        </Link>
      </aside>
    </div>
  );
}
