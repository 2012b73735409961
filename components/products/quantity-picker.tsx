"use client";

import { useId, useState } from "react";
import { iconButton } from "@/components/ui/styles.ts";

/** A labelled number field with −/+ buttons, kept within 1…max. */
export function QuantityPicker({ value, max, onChange }: { value: number; max: number; onChange: (value: number) => void }) {
  const id = useId();
  // What the shopper is typing (it may be empty for a moment); `value` is the last valid quantity.
  const [draft, setDraft] = useState<string | null>(null);
  const clamp = (next: number) => Math.min(max, Math.max(1, Math.trunc(next)));
  const step = (delta: number) => {
    setDraft(null);
    onChange(clamp(value + delta));
  };

  return (
    <div className="flex items-center gap-3">
      <label htmlFor={id} className="text-sm font-medium text-stone-700">
        Quantity
      </label>
      <div className="flex items-center gap-1.5">
        <button type="button" className={iconButton} aria-label="Decrease quantity" disabled={value <= 1} onClick={() => step(-1)}>
          −
        </button>
        <input
          id={id}
          type="number"
          inputMode="numeric"
          min={1}
          max={max}
          value={draft ?? String(value)}
          onChange={(event) => {
            setDraft(event.target.value);
            const next = event.target.valueAsNumber;
            if (Number.isFinite(next)) onChange(clamp(next));
          }}
          onBlur={() => setDraft(null)}
          className="h-9 w-16 rounded-lg border border-stone-300 bg-white text-center text-sm tabular-nums"
        />
        <button type="button" className={iconButton} aria-label="Increase quantity" disabled={value >= max} onClick={() => step(1)}>
          +
        </button>
      </div>
    </div>
  );
}
