import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { MAX_QUANTITY } from "@/lib/cart.ts";
import { findProduct } from "@/lib/catalog.ts";
import { formatMoney } from "@/lib/money.ts";
import { AddToCartForm } from "@/components/products/add-to-cart-form.tsx";
import { ProductImage } from "@/components/products/product-image.tsx";
import { textLink } from "@/components/ui/styles.ts";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  await connection();
  const product = await findProduct((await params).slug);
  return { title: product?.name ?? "Not found", description: product?.description };
}

export default async function ProductPage({ params }: Props) {
  await connection();
  const product = await findProduct((await params).slug);
  if (!product) notFound();

  return (
    <div className="flex flex-col gap-6">
      <nav aria-label="Breadcrumb" className="text-sm text-stone-500">
        <Link href="/" className={textLink}>
          Shop
        </Link>{" "}
        / <span aria-current="page">{product.name}</span>
      </nav>
      <article className="grid gap-8 md:grid-cols-2 md:gap-12">
        <ProductImage src={product.image} alt={product.name} eager sizes="(min-width: 768px) 540px, 90vw" />
        <div className="flex flex-col gap-5 md:pt-6">
          <h1 className="text-3xl font-bold tracking-tight text-espresso sm:text-4xl">{product.name}</h1>
          <p className="text-2xl font-semibold text-stone-900">{formatMoney(product.priceCents, product.currency)}</p>
          <p className="max-w-prose text-lg leading-relaxed text-stone-600">{product.description}</p>
          <AddToCartForm slug={product.slug} maxQuantity={MAX_QUANTITY} />
          <p className="text-sm text-stone-500">
            <Link href="/cart" className={textLink}>
              View your cart
            </Link>
          </p>
        </div>
      </article>
    </div>
  );
}
