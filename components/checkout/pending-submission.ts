import { useMemo, useSyncExternalStore } from "react";
import type { PaymentMethodId } from "@/lib/payments/payment-methods.ts";

/**
 * A payment this browser sent and has no answer for yet: written just before the form posts,
 * removed as soon as any answer arrives. If the answer is lost (the connection dropped, the tab
 * was reloaded or closed, the server died), it is still here, and the checkout offers to send
 * exactly the same request again: same key, same cart version, same payment method. The server
 * then replays the answer it stored for that key, or finishes the payment it started; it never
 * charges twice.
 */
export type PendingSubmission = { cartId: string; cartVersion: number; key: string; paymentMethod: PaymentMethodId; submittedAt: number };

const PREFIX = "checkout-pending:";
const CHANGED = "checkout-pending-changed";
/** The server keeps a key's answer for a day; an older submission can no longer be checked. */
const MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Used only where localStorage is unavailable: the submission then survives errors, not reloads. */
const memory = new Map<string, string>();

const storageKey = (cartId: string) => `${PREFIX}${cartId}`;

function readRaw(name: string): string | null {
  try {
    return window.localStorage.getItem(name);
  } catch {
    return memory.get(name) ?? null;
  }
}

function notify(): void {
  window.dispatchEvent(new Event(CHANGED));
}

export function rememberSubmission(submission: Omit<PendingSubmission, "submittedAt">): void {
  const value = JSON.stringify({ ...submission, submittedAt: Date.now() });
  try {
    window.localStorage.setItem(storageKey(submission.cartId), value);
  } catch {
    memory.set(storageKey(submission.cartId), value);
  }
  notify();
}

/** The submission with this key got an answer: nothing is pending any more. */
export function forgetSubmission(key: string): void {
  try {
    for (let i = window.localStorage.length - 1; i >= 0; i--) {
      const name = window.localStorage.key(i);
      if (name?.startsWith(PREFIX) && parse(window.localStorage.getItem(name))?.key === key) window.localStorage.removeItem(name);
    }
  } catch {
    for (const [name, value] of memory) if (parse(value)?.key === key) memory.delete(name);
  }
  notify();
}

function parse(raw: string | null): PendingSubmission | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as PendingSubmission;
    return typeof value.key === "string" && typeof value.cartVersion === "number" && Date.now() - value.submittedAt < MAX_AGE_MS ? value : null;
  } catch {
    return null;
  }
}

function subscribe(onChange: () => void): () => void {
  // Only this tab's own writes: another tab's payment in flight is that tab's business.
  window.addEventListener(CHANGED, onChange);
  return () => window.removeEventListener(CHANGED, onChange);
}

/** This cart's unanswered submission, or null (always null on the server and during hydration). */
export function usePendingSubmission(cartId: string | undefined): PendingSubmission | null {
  const raw = useSyncExternalStore(
    subscribe,
    () => (cartId ? readRaw(storageKey(cartId)) : null),
    () => null,
  );
  return useMemo(() => parse(raw), [raw]);
}
