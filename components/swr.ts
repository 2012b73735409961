/** The one SWR fetcher of the storefront: JSON, never cached by the browser, errors carry the HTTP status. */
export class FetchError extends Error {
  name = "FetchError";

  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function fetchJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: "application/json" }, cache: "no-store" });
  if (!response.ok) throw new FetchError(`GET ${url} answered ${response.status}`, response.status);
  return (await response.json()) as T;
}

/** SWR key of the session's cart (GET /api/cart): shared by the header badge, cart and checkout. */
export const CART_KEY = "/api/cart";

export const orderKey = (orderId: string) => `/api/orders/${encodeURIComponent(orderId)}`;
