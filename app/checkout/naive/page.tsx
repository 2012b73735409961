import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { naiveCheckoutEnabled } from "@/lib/checkout/naive.ts";
import { NaiveCheckoutView } from "@/components/checkout/naive-checkout-view.tsx";
import { textLink } from "@/components/ui/styles.ts";

export const metadata: Metadata = { title: "Naive checkout (unsafe demo)", robots: { index: false } };

/**
 * TEACHING ONLY: the checkout without idempotency, next to the real one, to see duplicates
 * happen. It exists only when the server runs with DEMO_UNSAFE_CHECKOUT=1; otherwise 404.
 */
export default async function NaiveCheckoutPage() {
  await connection();
  if (!naiveCheckoutEnabled()) notFound();
  return (
    <div className="flex flex-col gap-6">
      <div role="note" aria-label="Unsafe demo" className="flex flex-col gap-2 rounded-2xl border-2 border-red-400 bg-red-50 px-5 py-4 text-red-900">
        <p className="text-xl font-bold">⚠ Unsafe demo: this checkout has no idempotency</p>
        <p>
          Every submit creates a new order and a new charge: no idempotency key, no claim, no key sent to Stripe. A double-click, a retry after a
          timeout or a second tab charges you again. It exists to show what the{" "}
          <Link href="/checkout" className={textLink}>
            real checkout
          </Link>{" "}
          protects you from, and only because this server runs with DEMO_UNSAFE_CHECKOUT=1.
        </p>
      </div>
      <div className="flex flex-col gap-1">
        <h1 className="text-3xl font-bold tracking-tight text-espresso">Naive checkout</h1>
        <p className="text-stone-600">Test cards only. Same cart as the real checkout.</p>
      </div>
      <NaiveCheckoutView />
    </div>
  );
}
