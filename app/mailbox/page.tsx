import type { Metadata } from "next";
import { connection } from "next/server";
import { cartScope } from "@/lib/checkout/request.ts";
import { listMessages } from "@/lib/outbox.ts";
import { currentCart } from "@/lib/session.ts";
import { MessageCard } from "@/components/mailbox/message-card.tsx";

export const metadata: Metadata = { title: "Mailbox" };

/** The confirmations the outbox wrote for this session's cart (or every one, for demos). */
async function messagesForVisitor() {
  if (process.env.MAILBOX_SHOW_ALL === "1") return listMessages("all");
  const cart = await currentCart();
  return cart ? listMessages([cartScope(cart.id)]) : [];
}

export default async function MailboxPage() {
  await connection();
  const messages = await messagesForVisitor();

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-1">
        <h1 className="text-3xl font-bold tracking-tight text-espresso">Mailbox</h1>
        <p className="max-w-2xl text-stone-600">
          Order confirmations land here instead of a real inbox. Each one is written in the same transaction that marks the order paid, so
          every paid order gets exactly one.
        </p>
      </div>
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
