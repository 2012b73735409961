/**
 * The local payments server's fault controls (/_test/), as the lab uses them: every call is
 * scoped to one lab run's API client (the shop tags its PaymentIntents with metadata.apiClientId),
 * so runs never steer each other's payments. Server-side only: the browser never calls the
 * payments server.
 */
export type Fault = { kind: "delay_while_executing" | "delay_after_commit" | "drop_after_commit"; ms?: number };
export type WebhookRule = { copies?: number; concurrent?: boolean; shuffle?: boolean; delayMs?: number; extraEvents?: string[] };
export type LabPaymentIntent = { id: string; status: string; amount: number; metadata: Record<string, string> };
type Stats = { webhooks: { byEvent: Record<string, { type: string; attempted: number }> } };

export class PaymentsControl {
  constructor(
    private readonly url: string,
    private readonly apiClientId: string,
  ) {}

  private get match() {
    return { metadata: { apiClientId: this.apiClientId } };
  }

  /** The next `times` PaymentIntent creations of this run misbehave (replays of them too). */
  async fault(fault: Fault, times: number): Promise<void> {
    await this.call("POST", "/_test/faults", { match: { ...this.match, method: "POST", path: "/v1/payment_intents" }, fault, times });
  }

  async shapeWebhooks(rule: WebhookRule): Promise<void> {
    await this.call("POST", "/_test/webhooks", { match: this.match, ...rule });
  }

  async paymentIntents(): Promise<LabPaymentIntent[]> {
    return ((await this.call("GET", `/_test/payment_intents?${this.query()}`)) as { data: LabPaymentIntent[] }).data;
  }

  /** How often each webhook event of this run was delivered. */
  async deliveries(type: string): Promise<number> {
    const stats = (await this.call("GET", `/_test/stats?${this.query()}`)) as Stats;
    return Object.values(stats.webhooks.byEvent).filter((event) => event.type === type).reduce((sum, event) => sum + event.attempted, 0);
  }

  private query(): string {
    return new URLSearchParams({ metadataKey: "apiClientId", metadataValue: this.apiClientId }).toString();
  }

  private async call(method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      ...(body !== undefined && { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`payments server ${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  }
}
