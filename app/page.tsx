import { connection } from "next/server";
import { listProducts } from "@/lib/catalog.ts";
import { ProductCard } from "@/components/products/product-card.tsx";

export default async function ShopPage() {
  // Read the catalog per request: `next build` must never open the database.
  await connection();
  const products = await listProducts();

  return (
    <div className="flex flex-col gap-8">
      <section className="flex flex-col gap-2">
        <h1 className="text-3xl font-bold tracking-tight text-espresso sm:text-4xl">Coffee &amp; desk goods</h1>
        <p className="max-w-2xl text-stone-600">
          Small-batch tools for a slow morning. Add a few things, check out, and try to get charged twice: you can&apos;t.
        </p>
      </section>
      {products.length === 0 ? (
        <p className="text-stone-600">The shelves are empty. Seed the catalog and reload.</p>
      ) : (
        <ul className="grid grid-cols-1 gap-6 sm:grid-cols-2 lg:grid-cols-4" aria-label="Products">
          {products.map((product, index) => (
            <li key={product.slug} className="flex">
              <ProductCard product={product} eager={index < 4} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
