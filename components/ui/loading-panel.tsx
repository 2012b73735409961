/** A quiet placeholder while client data loads. */
export function LoadingPanel({ label }: { label: string }) {
  return (
    <div role="status" aria-live="polite" className="flex flex-col gap-3">
      <span className="sr-only">{label}</span>
      <div className="h-20 animate-pulse rounded-2xl bg-stone-200/70" />
      <div className="h-20 animate-pulse rounded-2xl bg-stone-200/70" />
    </div>
  );
}
