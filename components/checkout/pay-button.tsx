"use client";

import { useFormStatus } from "react-dom";
import { primaryButton } from "@/components/ui/styles.ts";

/** The submit button: pending from the moment React starts the form action until it settles (or redirects). */
export function PayButton({ label, disabled = false }: { label: string; disabled?: boolean }) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending || disabled} aria-busy={pending} className={`${primaryButton} w-full py-3 text-base`}>
      {pending && (
        <svg aria-hidden="true" viewBox="0 0 24 24" className="size-4 animate-spin" fill="none" stroke="currentColor" strokeWidth="3">
          <path d="M12 3a9 9 0 1 0 9 9" strokeLinecap="round" />
        </svg>
      )}
      {pending ? "Processing…" : label}
    </button>
  );
}
