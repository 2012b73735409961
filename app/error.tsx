"use client";

import Link from "next/link";
import { useEffect } from "react";
import { primaryButton, secondaryButton } from "@/components/ui/styles.ts";

export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = error instanceof Error && "digest" in error && typeof error.digest === "string" ? error.digest : null;

  return (
    <div role="alert" className="mx-auto flex max-w-md flex-col items-center gap-4 py-16 text-center">
      <h1 className="text-2xl font-bold text-espresso">Something went wrong</h1>
      <p className="text-stone-600">
        The shop hit an unexpected error. If it happened while you were paying, trying again is safe: the checkout&apos;s idempotency key
        makes sure you are never charged twice.
      </p>
      {digest && <p className="font-mono text-xs text-stone-400">Reference: {digest}</p>}
      <div className="flex gap-3">
        <button type="button" onClick={() => retry()} className={primaryButton}>
          Try again
        </button>
        <Link href="/" className={secondaryButton}>
          Back to the shop
        </Link>
      </div>
    </div>
  );
}
