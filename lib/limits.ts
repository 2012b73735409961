import { z } from "zod";

/**
 * Bounds of the numbers a client may send, checked at the boundary (zod) so that an
 * out-of-range number is a 400 that writes nothing, never a database error (a 500) half-way
 * through a transaction. Every integer column is PostgreSQL's `integer` (4 bytes).
 */
export const PG_INT_MAX = 2_147_483_647;

/**
 * The largest amount Stripe accepts for a charge in a two-decimal currency ($999,999.99). An
 * order above it could never be paid; refusing it before the order is written also keeps every
 * total far inside `integer`.
 */
export const MAX_AMOUNT_CENTS = 99_999_999;

/**
 * A whole number posted as a form field (a string): decimal digits only. `z.coerce.number()`
 * would also take "", "0x10", "1e3" or " 7 " (as 0, 16, 1000 and 7), and any size.
 */
export function formInteger(name: string, { min = 0, max = PG_INT_MAX }: { min?: number; max?: number } = {}) {
  return z
    .string()
    .regex(/^\d{1,16}$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));
}
