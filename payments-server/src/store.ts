import type { Charge, PaymentIntent, Refund, StripeObject } from "./objects.ts";
import type { Metadata } from "./params.ts";

/** Which request created an object, kept beside the object so stats can be filtered by idempotency key. */
export interface Origin {
  requestId: string | null;
  idempotencyKey: string | null;
}

/** In-memory account state: one Stripe test account shared by every API key. */
export class Store {
  readonly paymentIntents = new Map<string, PaymentIntent>();
  readonly charges = new Map<string, Charge>();
  readonly refunds = new Map<string, Refund>();
  private readonly origins = new Map<string, Origin>();

  add(object: StripeObject, origin: Origin): void {
    this.origins.set(object.id, origin);
    if (object.object === "payment_intent") this.paymentIntents.set(object.id, object);
    else if (object.object === "charge") this.charges.set(object.id, object);
    else this.refunds.set(object.id, object);
  }

  originOf(id: string): Origin | undefined {
    return this.origins.get(id);
  }

  /** The PaymentIntent an object belongs to: the shop tags PaymentIntents, so faults and stats match on its metadata. */
  paymentIntentOf(object: StripeObject): PaymentIntent | undefined {
    return object.object === "payment_intent" ? object : this.paymentIntents.get(object.payment_intent);
  }

  metadataOf(object: StripeObject): Metadata {
    return this.paymentIntentOf(object)?.metadata ?? object.metadata;
  }

  clear(): void {
    this.paymentIntents.clear();
    this.charges.clear();
    this.refunds.clear();
    this.origins.clear();
  }
}
