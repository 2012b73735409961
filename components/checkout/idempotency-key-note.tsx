/** The teaching box: which idempotency key this checkout will send, and why it exists. */
export function IdempotencyKeyNote({ idempotencyKey }: { idempotencyKey: string | null }) {
  return (
    <aside aria-label="Idempotency key" className="rounded-xl border border-stone-200 bg-stone-50 px-4 py-3 text-xs text-stone-500">
      <p className="flex flex-wrap items-center gap-x-2">
        <span className="font-semibold uppercase tracking-wide text-stone-600">Idempotency key</span>
        {idempotencyKey ? (
          <code data-testid="idempotency-key" data-key={idempotencyKey} title={idempotencyKey} className="rounded bg-white px-1.5 py-0.5 font-mono text-stone-700">
            {idempotencyKey.slice(0, 8)}…
          </code>
        ) : (
          <span>preparing…</span>
        )}
      </p>
      <p className="mt-1">
        This key makes retries safe: a reload, a second tab or a double-click sends the same key, and the server answers it with the same
        order instead of charging again. Changing the cart or the payment method starts a new key.
      </p>
    </aside>
  );
}
