/** A checkout refused before anything was written: its transaction rolls back, claim included. */
export class CheckoutRejected extends Error {
  name = "CheckoutRejected";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
