"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect } from "react";
import { useCart } from "@/components/cart/use-cart.ts";

/** The header's cart link; its badge follows the shared SWR cart, refreshed on every navigation. */
export function CartLink() {
  const pathname = usePathname();
  const { data, mutate } = useCart();
  const count = data?.count ?? 0;

  // A placed order empties the cart on the server (and redirects): read it again after navigating.
  useEffect(() => {
    void mutate();
  }, [pathname, mutate]);

  return (
    <Link
      href="/cart"
      aria-current={pathname === "/cart" ? "page" : undefined}
      className="ml-1 inline-flex items-center gap-2 rounded-full border border-stone-300 bg-white px-3 py-1.5 text-sm font-semibold text-espresso transition hover:border-stone-400 aria-[current=page]:border-espresso"
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <path d="M6 7h12l-1 13H7z" />
        <path d="M9 7a3 3 0 0 1 6 0" />
      </svg>
      Cart
      {count > 0 && (
        <span className="inline-flex min-w-6 items-center justify-center rounded-full bg-crema px-1.5 text-xs font-bold text-white">
          <span data-testid="cart-count">{count}</span>
          <span className="sr-only">{count === 1 ? " item" : " items"}</span>
        </span>
      )}
    </Link>
  );
}
