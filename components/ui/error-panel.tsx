/** A recoverable loading error with a retry button. */
export function ErrorPanel({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div role="alert" className="flex flex-col items-start gap-3 rounded-2xl border border-red-200 bg-red-50 px-5 py-4 text-red-800">
      <p>{message}</p>
      <button type="button" onClick={onRetry} className="text-sm font-semibold underline underline-offset-4">
        Retry
      </button>
    </div>
  );
}
