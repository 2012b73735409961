import type { Metadata } from "next";
import { connection } from "next/server";
import { cartScope } from "@/lib/checkout/request.ts";
import { readMailbox } from "@/lib/mail/mailbox.ts";
import { currentCart } from "@/lib/session.ts";
import { MessageCard } from "@/components/mailbox/message-card.tsx";
import { RefreshWhileWaiting } from "@/components/mailbox/refresh-while-waiting.tsx";

export const metadata: Metadata = { title: "Mailbox" };

/** The confirmations the mailer delivered for this session's cart (or every one, for demos). */
async function mailboxForVisitor() {
  if (process.env.MAILBOX_SHOW_ALL === "1") return readMailbox("all");
  const cart = await currentCart();
  return cart ? readMailbox([cartScope(cart.id)]) : { entries: [], onTheWay: 0 };
}

export default async function MailboxPage() {
  await connection();
  const { entries: messages, onTheWay } = await mailboxForVisitor();

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-1">
        <h1 className="text-3xl font-bold tracking-tight text-espresso">Mailbox</h1>
        <p className="max-w-2xl text-stone-600">
          Order confirmations land here instead of a real inbox. Each is queued in the outbox in the same transaction that marks the order
          paid; a relay hands it to the mailer (directly, or through RabbitMQ), which may receive it more than once and writes it here
          only the first time, so every paid order gets exactly one.
        </p>
      </div>
      <RefreshWhileWaiting waiting={onTheWay} />
      {onTheWay > 0 && (
        <p role="status" className="text-sm text-stone-600">
          {onTheWay} {onTheWay === 1 ? "confirmation is" : "confirmations are"} on the way…
        </p>
      )}
      {messages.length === 0 ? (
        <p className="rounded-2xl border border-dashed border-stone-300 bg-white/60 px-6 py-14 text-center text-lg text-stone-600">No messages yet</p>
      ) : (
        <ul className="flex flex-col gap-4" aria-label="Messages">
          {messages.map((message) => (
            <li key={message.id}>
              <MessageCard message={message} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
