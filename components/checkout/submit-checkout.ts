import { unstable_rethrow } from "next/navigation";
import { placeOrder, type PlaceOrderState } from "@/app/actions/checkout.ts";
import { forgetSubmission } from "@/components/checkout/pending-submission.ts";

export type CheckoutState = PlaceOrderState & {
  /** The request went out but no answer came back: the payment may or may not have happened. */
  connectionLost?: boolean;
};

/** Next.js signals a redirect from a server action by throwing; that error is an answer too. */
function isNavigation(error: unknown): boolean {
  try {
    unstable_rethrow(error);
    return false;
  } catch {
    return true;
  }
}

/**
 * The checkout form's action: placeOrder, plus what the browser must do around it. Any answer
 * (a state, or the redirect to the order page) clears the pending submission. A failure to get
 * an answer (the connection dropped, the server died mid-request) is shown as a lost connection,
 * not as a crash: the submission stays pending, and sending it again is safe.
 */
export async function submitCheckout(_previous: CheckoutState, formData: FormData): Promise<CheckoutState> {
  const key = String(formData.get("idempotencyKey"));
  try {
    const state = await placeOrder({}, formData);
    forgetSubmission(key);
    return state;
  } catch (error) {
    if (isNavigation(error)) {
      forgetSubmission(key);
      throw error;
    }
    return {
      connectionLost: true,
      retrySafe: true,
      error: {
        type: "connection_error",
        code: "connection_lost",
        message: "The connection was lost before the shop could answer, so we don't know yet whether your payment went through.",
      },
    };
  }
}
