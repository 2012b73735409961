import Link from "next/link";
import { primaryButton } from "@/components/ui/styles.ts";

export default function NotFound() {
  return (
    <div className="mx-auto flex max-w-md flex-col items-center gap-4 py-16 text-center">
      <p className="text-5xl" aria-hidden="true">
        ☕
      </p>
      <h1 className="text-2xl font-bold text-espresso">Page not found</h1>
      <p className="text-stone-600">We looked in every cupboard. This page, product or order isn&apos;t here — or it isn&apos;t yours to see.</p>
      <Link href="/" className={primaryButton}>
        Back to the shop
      </Link>
    </div>
  );
}
