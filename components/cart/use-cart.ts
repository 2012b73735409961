import useSWR from "swr";
import type { CartView } from "@/lib/cart.ts";
import { CART_KEY, fetchJson, type FetchError } from "@/components/swr.ts";

/** The session's cart as the server sees it (an empty cart before the first add). */
export function useCart() {
  return useSWR<CartView, FetchError>(CART_KEY, fetchJson);
}
