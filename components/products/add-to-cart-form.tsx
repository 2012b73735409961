"use client";

import { useState } from "react";
import { AddToCartButton } from "@/components/products/add-to-cart-button.tsx";
import { QuantityPicker } from "@/components/products/quantity-picker.tsx";

/** The product page's quantity picker and Add to cart button. */
export function AddToCartForm({ slug, maxQuantity }: { slug: string; maxQuantity: number }) {
  const [quantity, setQuantity] = useState(1);
  return (
    <div className="flex flex-col gap-4">
      <QuantityPicker value={quantity} max={maxQuantity} onChange={setQuantity} />
      <AddToCartButton slug={slug} quantity={quantity} className="items-start" />
    </div>
  );
}
