import Link from "next/link";
import { LocalTime } from "@/components/ui/local-time.tsx";
import { card, textLink } from "@/components/ui/styles.ts";

export type MailboxMessage = { id: string; orderId: string; subject: string; body: string; deliveredAt: Date; deliveries: number };

export function MessageCard({ message }: { message: MailboxMessage }) {
  const headingId = `message-${message.id}`;
  const copies = message.deliveries - 1;
  return (
    <article aria-labelledby={headingId} className={`${card} flex flex-col gap-2 p-5`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={headingId} className="font-semibold text-stone-900 [overflow-wrap:anywhere]">
          {message.subject}
        </h2>
        <p className="text-xs text-stone-500">
          <LocalTime iso={message.deliveredAt.toISOString()} />
          {" · "}
          <span data-testid="message-deliveries">
            {copies === 0 ? "Delivered once" : `Delivered ${message.deliveries} times: ${copies} ${copies === 1 ? "copy" : "copies"} recognised and skipped`}
          </span>
        </p>
      </div>
      <p className="text-stone-700">{message.body}</p>
      <p className="text-sm">
        <Link href={`/orders/${message.orderId}`} className={textLink}>
          View order
        </Link>
      </p>
    </article>
  );
}
