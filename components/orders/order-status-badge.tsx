import type { OrderView } from "@/lib/orders.ts";

type Status = OrderView["status"];

const LABELS: Record<Status, string> = { pending: "Pending", processing: "Processing", paid: "Paid", failed: "Failed", refunded: "Refunded" };

const COLOURS: Record<Status, string> = {
  pending: "bg-stone-100 text-stone-700 ring-stone-300",
  processing: "bg-amber-50 text-amber-800 ring-amber-300",
  paid: "bg-emerald-50 text-emerald-800 ring-emerald-300",
  failed: "bg-red-50 text-red-800 ring-red-300",
  refunded: "bg-sky-50 text-sky-800 ring-sky-300",
};

export function OrderStatusBadge({ status }: { status: Status }) {
  return (
    <span data-testid="order-status" data-status={status} className={`inline-flex items-center rounded-full px-3 py-1 text-sm font-semibold ring-1 ring-inset ${COLOURS[status]}`}>
      {LABELS[status]}
    </span>
  );
}
