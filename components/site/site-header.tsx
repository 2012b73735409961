import Link from "next/link";
import { devToolsEnabled } from "@/lib/dev-tools.ts";
import { CartLink } from "@/components/site/cart-link.tsx";
import { NavLink } from "@/components/site/nav-link.tsx";

export function SiteHeader() {
  return (
    <header className="border-b border-stone-200 bg-white/80 backdrop-blur">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-4 px-4 py-4 sm:px-6">
        <Link href="/" className="group flex items-center gap-3">
          {/* eslint-disable-next-line @next/next/no-img-element -- a tiny local SVG logo */}
          <img src="/favicon.svg" alt="" width={36} height={36} className="size-9" />
          <span className="flex flex-col leading-tight">
            <span className="text-lg font-bold tracking-tight text-espresso group-hover:text-coffee">Once Coffee Supply</span>
            <span className="text-xs text-stone-500">an exactly-once checkout demo</span>
          </span>
        </Link>
        <nav aria-label="Main" className="flex items-center gap-1 sm:gap-2">
          <NavLink href="/">Shop</NavLink>
          <NavLink href="/mailbox">Mailbox</NavLink>
          {devToolsEnabled() && <NavLink href="/lab">Lab</NavLink>}
          {devToolsEnabled() && <NavLink href="/admin">Admin</NavLink>}
          <CartLink />
        </nav>
      </div>
    </header>
  );
}
