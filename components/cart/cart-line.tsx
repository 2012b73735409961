import Link from "next/link";
import type { CartView } from "@/lib/cart.ts";
import { formatMoney } from "@/lib/money.ts";
import { QuantityStepper } from "@/components/cart/quantity-stepper.tsx";
import { ProductImage } from "@/components/products/product-image.tsx";

type CartItem = CartView["items"][number];

export function CartLine({ item, maxQuantity, onQuantity }: { item: CartItem; maxQuantity: number; onQuantity: (quantity: number) => void }) {
  return (
    <li className="flex gap-4 py-5">
      <Link href={`/products/${item.slug}`} className="w-20 shrink-0 sm:w-24" tabIndex={-1} aria-hidden="true">
        <ProductImage src={item.image} alt="" sizes="96px" />
      </Link>
      <div className="flex flex-1 flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <div className="flex flex-col gap-0.5">
          <h2 className="font-semibold text-stone-900">
            <Link href={`/products/${item.slug}`} className="hover:text-coffee hover:underline hover:underline-offset-4">
              {item.name}
            </Link>
          </h2>
          <p className="text-sm text-stone-500">{formatMoney(item.priceCents, item.currency)} each</p>
        </div>
        <div className="flex items-center justify-between gap-6 sm:justify-end">
          <QuantityStepper name={item.name} quantity={item.quantity} max={maxQuantity} onChange={onQuantity} />
          <p className="w-24 text-right font-semibold tabular-nums text-stone-900">{formatMoney(item.lineTotalCents, item.currency)}</p>
          <button
            type="button"
            onClick={() => onQuantity(0)}
            aria-label={`Remove ${item.name}`}
            className="text-sm font-medium text-stone-500 underline-offset-4 hover:text-red-700 hover:underline"
          >
            Remove
          </button>
        </div>
      </div>
    </li>
  );
}
