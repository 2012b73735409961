import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { devToolsEnabled } from "@/lib/dev-tools.ts";
import { AdminDashboard } from "@/components/admin/admin-dashboard.tsx";

export const metadata: Metadata = { title: "Operator dashboard" };

export default async function AdminPage() {
  // Decided per request: rendered at build time, the production build's NODE_ENV would bake a 404
  // into static HTML even for a server later started with DEMO_MODE=1.
  await connection();
  if (!devToolsEnabled()) notFound();

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-1">
        <h1 className="text-3xl font-bold tracking-tight text-espresso">Operator dashboard</h1>
        <p className="max-w-3xl text-stone-600">
          What the idempotency layer did with this shop&apos;s traffic: every duplicate that was answered from a stored response instead of
          charging again, and the latest steps of every checkout. Open only in development and demo mode.
        </p>
      </div>
      <AdminDashboard />
    </div>
  );
}
