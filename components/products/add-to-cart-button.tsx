"use client";

import { useState, useTransition } from "react";
import { useSWRConfig } from "swr";
import { addToCart } from "@/app/actions/cart.ts";
import { CART_KEY } from "@/components/swr.ts";
import { primaryButton } from "@/components/ui/styles.ts";

type Feedback = { kind: "added" | "error"; message: string } | null;

/** Calls the addToCart server action, then writes the returned cart into the shared SWR cache. */
export function AddToCartButton({ slug, quantity = 1, className = "" }: { slug: string; quantity?: number; className?: string }) {
  const { mutate } = useSWRConfig();
  const [pending, startTransition] = useTransition();
  const [feedback, setFeedback] = useState<Feedback>(null);

  function add() {
    setFeedback(null);
    startTransition(async () => {
      try {
        const result = await addToCart(slug, quantity);
        if (!result.ok) {
          setFeedback({ kind: "error", message: result.message });
          return;
        }
        await mutate(CART_KEY, result.cart, { revalidate: false });
        setFeedback({ kind: "added", message: quantity === 1 ? "Added to cart" : `Added ${quantity} to cart` });
      } catch {
        setFeedback({ kind: "error", message: "Could not reach the shop. Please try again." });
      }
    });
  }

  return (
    <div className={`flex flex-col gap-1.5 ${className}`}>
      <button type="button" onClick={add} disabled={pending} aria-busy={pending} className={primaryButton}>
        {pending ? "Adding…" : "Add to cart"}
      </button>
      <p role="status" aria-live="polite" className={`min-h-5 text-xs ${feedback?.kind === "error" ? "text-red-700" : "text-emerald-700"}`}>
        {feedback?.message}
      </p>
    </div>
  );
}
