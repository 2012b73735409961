import type { OrderView } from "@/lib/orders.ts";
import { formatMoney } from "@/lib/money.ts";

export function OrderItems({ order }: { order: OrderView }) {
  return (
    <table className="w-full text-sm">
      <caption className="sr-only">Items</caption>
      <thead>
        <tr className="border-b border-stone-200 text-left text-stone-500">
          <th scope="col" className="py-2 font-medium">Item</th>
          <th scope="col" className="py-2 text-right font-medium">Qty</th>
          <th scope="col" className="py-2 text-right font-medium">Price</th>
          <th scope="col" className="py-2 text-right font-medium">Total</th>
        </tr>
      </thead>
      <tbody>
        {order.items.map((item) => (
          <tr key={item.slug} className="border-b border-stone-100">
            <th scope="row" className="py-2.5 text-left font-medium text-stone-900">{item.name}</th>
            <td className="py-2.5 text-right tabular-nums">{item.quantity}</td>
            <td className="py-2.5 text-right tabular-nums">{formatMoney(item.unitPriceCents, order.currency)}</td>
            <td className="py-2.5 text-right tabular-nums">{formatMoney(item.unitPriceCents * item.quantity, order.currency)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={3} className="pt-4 text-left text-base font-semibold text-stone-900">Total</th>
          <td className="pt-4 text-right text-base font-bold tabular-nums text-espresso" data-testid="order-total">
            {formatMoney(order.totalCents, order.currency)}
          </td>
        </tr>
      </tfoot>
    </table>
  );
}
