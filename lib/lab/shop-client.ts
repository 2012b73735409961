import { setTimeout as sleep } from "node:timers/promises";
import { shortKey } from "@/lib/audit-events.ts";
import { narrate, type StoredRun } from "@/lib/lab/runs.ts";
import type { PaymentMethodId } from "@/lib/payments/payment-methods.ts";

export type Answer = { status: number; replayed: boolean; code: string | null; orderId: string | null; orderStatus: string | null };
/** `dropWhen` resolves when the connection should drop: the answer is then lost, the request is not. */
type PayOptions = { paymentMethod?: PaymentMethodId; dropWhen?: Promise<void>; naive?: boolean };
type Attempt = PayOptions & { repeat?: boolean };

const SUCCEEDS: ReadonlySet<string> = new Set(["pm_card_visa", "pm_test_delayed_success"]);

/**
 * The lab's client of the shop's own HTTP API: real requests to POST /api/checkout (with the
 * Idempotency-Key header) from the server, as a shopper's browser or an API client would send
 * them. Every request and answer is narrated on the run's timeline.
 */
export class ShopClient {
  /**
   * The shopper's own attempts (not the re-asks a 409 causes, which a naive checkout would never
   * answer), each with whether its card would be charged: what a naive checkout would act on.
   */
  readonly attempts: { succeeds: boolean }[] = [];

  constructor(
    private readonly origin: string,
    private readonly apiKey: string,
    private readonly run: StoredRun,
    private readonly items = [{ slug: "stoneware-mug", quantity: 1 }],
  ) {}

  /** Sends one checkout. Returns null when the connection was dropped before the answer. */
  async pay(label: string, key: string | null, options: Attempt = {}): Promise<Answer | null> {
    const paymentMethod = options.paymentMethod ?? "pm_card_visa";
    const path = options.naive ? "/api/checkout/naive" : "/api/checkout";
    narrate(this.run, `${label}: POST ${path}${key ? ` with Idempotency-Key ${shortKey(key)}` : " (no key)"}${paymentMethod === "pm_card_visa" ? "" : `, ${paymentMethod}`}`, "info", "shopper");
    if (!options.repeat) this.attempts.push({ succeeds: SUCCEEDS.has(paymentMethod) });
    const controller = new AbortController();
    void options.dropWhen?.then(() => controller.abort());
    try {
      const response = await fetch(`${this.origin}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json", ...(key && { "idempotency-key": key }) },
        body: JSON.stringify({ items: this.items, paymentMethod }),
        signal: controller.signal,
      });
      const answer = await readAnswer(response);
      narrate(this.run, `${label} ← ${describeAnswer(answer)}`, toneOf(answer), "shopper");
      return answer;
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      narrate(this.run, `${label}: the connection dropped before the answer arrived`, "warn", "shopper");
      return null;
    }
  }

  /**
   * Asks again every `intervalMs` while the shop answers 409 (the key's first request still runs)
   * or 503 (the payment's outcome is unknown: asking again with the same key is safe, and tells).
   */
  async payUntilAnswered(label: string, key: string, options: PayOptions & { intervalMs?: number; maxMs?: number } = {}): Promise<Answer | null> {
    const deadline = Date.now() + (options.maxMs ?? 60_000);
    for (let attempt = 1; ; attempt += 1) {
      const answer = await this.pay(attempt === 1 ? label : `${label} (again)`, key, { ...options, repeat: attempt > 1 });
      if ((answer?.status !== 409 && answer?.status !== 503) || Date.now() > deadline) return answer;
      await sleep(options.intervalMs ?? 500);
    }
  }
}

async function readAnswer(response: Response): Promise<Answer> {
  // A crashed request answers 500 without a JSON body.
  const body = (await response.json().catch(() => null)) as { order?: { id: string; status: string }; error?: { code?: string } } | null;
  return {
    status: response.status,
    replayed: response.headers.get("idempotent-replayed") === "true",
    code: body?.error?.code ?? null,
    orderId: body?.order?.id ?? null,
    orderStatus: body?.order?.status ?? null,
  };
}

function describeAnswer(answer: Answer): string {
  const parts = [String(answer.status)];
  if (answer.code) parts.push(answer.code);
  if (answer.orderStatus) parts.push(`order ${answer.orderStatus}`);
  if (answer.replayed) parts.push("Idempotent-Replayed: true");
  if (answer.status === 500) parts.push("(the process died mid-request)");
  return parts.join(" · ");
}

function toneOf(answer: Answer): "good" | "warn" | "bad" | "info" {
  if (answer.status >= 500 || answer.status === 422 || answer.status === 402) return answer.status === 503 ? "warn" : "bad";
  if (answer.status === 409) return "warn";
  return answer.replayed ? "good" : "info";
}
