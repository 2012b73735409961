import Link from "next/link";

export function SiteFooter() {
  return (
    <footer className="border-t border-stone-200 bg-white/60">
      <div className="mx-auto flex max-w-6xl flex-col gap-1 px-4 py-6 text-sm text-stone-500 sm:flex-row sm:items-center sm:justify-between sm:px-6">
        <p>
          <strong className="font-semibold text-stone-700">Every order is placed exactly once</strong> —{" "}
          <Link href="/checkout" className="underline underline-offset-4 hover:text-stone-700">
            try double-clicking Pay
          </Link>
          .
        </p>
        <p>Idempotency keys, recovery points and deduplicated webhooks: the README tells the story.</p>
      </div>
    </footer>
  );
}
