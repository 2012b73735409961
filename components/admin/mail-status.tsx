import type { MailStatus as Status } from "@/lib/mail/status.ts";
import { card } from "@/components/ui/styles.ts";

/** The confirmation path: what is on its way, delivered, skipped as a duplicate, and dead-lettered. */
export function MailStatus({ mail }: { mail: Status }) {
  const broker = mail.broker;
  const rows: [string, string][] = [
    ["On the way (outbox, not in the mailbox yet)", String(mail.onTheWay)],
    ["In the mailbox", String(mail.inMailbox)],
    ["Duplicates recognised and skipped", String(mail.duplicatesSkipped)],
  ];
  if (broker && "error" in broker) rows.push(["RabbitMQ", `unreachable: ${broker.error}`]);
  else if (broker) rows.push([`Ready in ${broker.queue}`, String(broker.ready)], [`Dead-lettered (${broker.deadLetter})`, String(broker.deadLettered)]);
  return (
    <section aria-labelledby="mail-status" className={`${card} flex flex-col gap-3 p-5`}>
      <div>
        <h2 id="mail-status" className="text-lg font-semibold text-stone-900">
          Confirmations
        </h2>
        <p className="text-sm text-stone-600">
          {mail.path === "broker"
            ? "Outbox → relay → RabbitMQ → mailer process → mailbox. A message that failed every allowed delivery waits in the dead-letter queue for an operator."
            : "Outbox → relay → the consumer in this process → mailbox (no AMQP_URL: no broker)."}
        </p>
      </div>
      <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[auto_auto]">
        {rows.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-stone-600">{label}</dt>
            <dd className="font-mono text-stone-900" data-testid={`mail-${label.split(" ")[0]!.toLowerCase()}`}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
