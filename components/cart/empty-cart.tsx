import Link from "next/link";
import { primaryButton } from "@/components/ui/styles.ts";

export function EmptyCart({ message = "Your cart is empty." }: { message?: string }) {
  return (
    <div className="flex flex-col items-center gap-4 rounded-2xl border border-dashed border-stone-300 bg-white/60 px-6 py-14 text-center">
      <p className="text-lg font-medium text-stone-700">{message}</p>
      <Link href="/" className={primaryButton}>
        Continue shopping
      </Link>
    </div>
  );
}
