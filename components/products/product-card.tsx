import Link from "next/link";
import type { ProductView } from "@/lib/catalog.ts";
import { formatMoney } from "@/lib/money.ts";
import { AddToCartButton } from "@/components/products/add-to-cart-button.tsx";
import { ProductImage } from "@/components/products/product-image.tsx";
import { card } from "@/components/ui/styles.ts";

export function ProductCard({ product, eager }: { product: ProductView; eager: boolean }) {
  const headingId = `product-${product.slug}`;
  return (
    <article aria-labelledby={headingId} className={`${card} flex flex-col overflow-hidden p-3 transition hover:shadow-md`}>
      <Link href={`/products/${product.slug}`} className="block" tabIndex={-1} aria-hidden="true">
        <ProductImage src={product.image} alt="" eager={eager} sizes="(min-width: 1024px) 280px, (min-width: 640px) 45vw, 90vw" />
      </Link>
      <div className="flex flex-1 flex-col gap-1 px-1 pt-3">
        <h2 id={headingId} className="text-base font-semibold text-stone-900">
          <Link href={`/products/${product.slug}`} className="hover:text-coffee hover:underline hover:underline-offset-4">
            {product.name}
          </Link>
        </h2>
        <p className="line-clamp-2 text-sm text-stone-500">{product.description}</p>
        <div className="mt-auto flex items-end justify-between gap-2 pt-3">
          <p className="pb-2 text-lg font-semibold text-espresso">{formatMoney(product.priceCents, product.currency)}</p>
          <AddToCartButton slug={product.slug} className="items-end" />
        </div>
      </div>
    </article>
  );
}
