import { useCallback, useState } from "react";
import { useSWRConfig } from "swr";
import { setQuantity } from "@/app/actions/cart.ts";
import type { CartView } from "@/lib/cart.ts";
import { withQuantity } from "@/components/cart/with-quantity.ts";
import { CART_KEY } from "@/components/swr.ts";

/**
 * Changes a line's quantity optimistically: the cart updates at once, the server's answer
 * (with the cart's new version) replaces it, and a refusal rolls it back and is shown.
 */
export function useSetQuantity() {
  const { mutate } = useSWRConfig();
  const [error, setError] = useState<string | null>(null);

  const update = useCallback(
    async (cart: CartView, slug: string, quantity: number) => {
      setError(null);
      try {
        await mutate<CartView>(
          CART_KEY,
          async () => {
            const result = await setQuantity(slug, quantity);
            if (!result.ok) throw new Error(result.message);
            return result.cart;
          },
          { optimisticData: (current) => withQuantity(current ?? cart, slug, quantity), rollbackOnError: true, populateCache: true, revalidate: false },
        );
      } catch (cause) {
        setError(cause instanceof Error && cause.message ? cause.message : "Could not update your cart. Please try again.");
      }
    },
    [mutate],
  );

  return { update, error };
}
