import { iconButton } from "@/components/ui/styles.ts";

/** −/+ buttons around a line's quantity; each press sets the new quantity on the server. */
export function QuantityStepper({ name, quantity, max, onChange }: { name: string; quantity: number; max: number; onChange: (quantity: number) => void }) {
  return (
    <div className="flex items-center gap-1.5">
      <button type="button" className={iconButton} aria-label={`Decrease quantity of ${name}`} disabled={quantity <= 1} onClick={() => onChange(quantity - 1)}>
        −
      </button>
      <output aria-label={`Quantity of ${name}`} className="w-8 text-center text-sm font-semibold tabular-nums">
        {quantity}
      </output>
      <button type="button" className={iconButton} aria-label={`Increase quantity of ${name}`} disabled={quantity >= max} onClick={() => onChange(quantity + 1)}>
        +
      </button>
    </div>
  );
}
