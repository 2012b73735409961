import type { CartView } from "@/lib/cart.ts";
import { formatMoney } from "@/lib/money.ts";
import { card } from "@/components/ui/styles.ts";

export function OrderSummary({ cart }: { cart: CartView }) {
  return (
    <section aria-labelledby="order-summary" className={`${card} flex flex-col gap-4 p-5`}>
      <h2 id="order-summary" className="text-lg font-semibold text-stone-900">
        Order summary
      </h2>
      <ul className="flex flex-col gap-3">
        {cart.items.map((item) => (
          <li key={item.slug} className="flex items-baseline justify-between gap-4 text-sm">
            <span className="text-stone-700">
              {item.name} <span className="text-stone-400">× {item.quantity}</span>
            </span>
            <span className="tabular-nums text-stone-900">{formatMoney(item.lineTotalCents, item.currency)}</span>
          </li>
        ))}
      </ul>
      <dl className="flex items-baseline justify-between border-t border-stone-200 pt-4">
        <dt className="font-medium text-stone-700">Total</dt>
        <dd className="text-xl font-bold tabular-nums text-espresso" data-testid="checkout-total">
          {formatMoney(cart.totalCents, cart.currency)}
        </dd>
      </dl>
    </section>
  );
}
