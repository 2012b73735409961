import { useCallback, useEffect, useSyncExternalStore } from "react";

/**
 * One idempotency key per logical checkout: (cart, cart version, payment method).
 *
 * The key lives in localStorage, so a reload, a second tab or a double-click sends the same
 * key and the server replays the first answer instead of charging again. Changing the cart
 * (new version) or the payment method is a new checkout, and gets a new key.
 */
const PREFIX = "checkout-key:";
const CHANGED = "checkout-key-changed";

export const checkoutStorageKey = (cartId: string, cartVersion: number, paymentMethod: string) => `${PREFIX}${cartId}:${cartVersion}:${paymentMethod}`;

/** Used only where localStorage is unavailable (private modes, disabled storage): keys last for this page. */
const memory = new Map<string, string>();

function read(storageKey: string): string | null {
  try {
    return window.localStorage.getItem(storageKey);
  } catch {
    return memory.get(storageKey) ?? null;
  }
}

function write(storageKey: string, key: string): void {
  try {
    window.localStorage.setItem(storageKey, key);
  } catch {
    memory.set(storageKey, key);
  }
}

/** Drops the keys of this cart's earlier (or later) versions: those checkouts are over. */
function forgetOtherVersions(cartId: string, cartVersion: number): void {
  try {
    const cartPrefix = `${PREFIX}${cartId}:`;
    const stale: string[] = [];
    for (let i = 0; i < window.localStorage.length; i++) {
      const name = window.localStorage.key(i);
      if (name?.startsWith(cartPrefix) && name.slice(cartPrefix.length).split(":")[0] !== String(cartVersion)) stale.push(name);
    }
    for (const name of stale) window.localStorage.removeItem(name);
  } catch {
    // No storage, nothing to clean.
  }
}

function randomKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // randomUUID needs a secure context (https or localhost); getRandomValues works everywhere.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function subscribe(onChange: () => void): () => void {
  // "storage" fires for writes by other tabs: two tabs that minted at once converge on one key.
  window.addEventListener("storage", onChange);
  window.addEventListener(CHANGED, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(CHANGED, onChange);
  };
}

/** The idempotency key for this checkout, or null until it is ready (on the server and during hydration). */
export function useCheckoutKey(cartId: string | undefined, cartVersion: number | undefined, paymentMethod: string): string | null {
  const storageKey = cartId && cartVersion !== undefined ? checkoutStorageKey(cartId, cartVersion, paymentMethod) : null;

  const key = useSyncExternalStore(
    subscribe,
    useCallback(() => (storageKey ? read(storageKey) : null), [storageKey]),
    () => null,
  );

  // Rendering only reads; minting and cleaning up happen here: once per checkout, and again
  // if another tab cleared this key (it moved the cart on to a newer version).
  useEffect(() => {
    if (!storageKey || !cartId || cartVersion === undefined || key) return;
    forgetOtherVersions(cartId, cartVersion);
    if (read(storageKey)) return;
    write(storageKey, randomKey());
    window.dispatchEvent(new Event(CHANGED));
  }, [storageKey, cartId, cartVersion, key]);

  return key;
}
