import type { LabResult } from "@/lib/lab/runs.ts";

const ROWS = [
  { key: "orders", label: "Orders created" },
  { key: "charges", label: "Charges made" },
  { key: "messages", label: "Confirmations sent" },
] as const;

/** The run's counts, from the shop's database and the payments server, beside a checkout without idempotency. */
export function RunResults({ result }: { result: LabResult }) {
  return (
    <div className="flex flex-col gap-2">
      <table className="w-full max-w-lg text-sm" aria-label="Results">
        <thead>
          <tr className="text-left text-stone-500">
            <th className="py-1 font-semibold"></th>
            <th className="py-1 font-semibold">This checkout</th>
            <th className="py-1 font-semibold">Without idempotency</th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map((row) => (
            <tr key={row.key} className="border-t border-stone-200">
              <th scope="row" className="py-1.5 text-left font-medium text-stone-700">
                {row.label}
              </th>
              <td className="py-1.5 font-mono text-base font-bold text-emerald-800" data-testid={`safe-${row.key}`}>
                {result.safe[row.key]}
              </td>
              <td className="py-1.5 font-mono text-base font-bold text-red-800" data-testid={`naive-${row.key}`}>
                {result.naive[row.key]}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="text-xs text-stone-600">
        Without idempotency ({result.naive.measured ? "measured" : "derived from this run"}): {result.naive.how}.
      </p>
    </div>
  );
}
