import { ApiError, invalidRequest } from "./errors.ts";
import type { FormObject, FormValue } from "./form.ts";

export type Metadata = Record<string, string>;

/** A timestamp filter such as `created`: `created=…` (exactly) or any of `created[gt|gte|lt|lte]=…`. */
export interface Range {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

export function inRange(value: number, range: Range | undefined): boolean {
  if (!range) return true;
  const { gt, gte, lt, lte } = range;
  return (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
}

/** Stripe's supported presentment currencies (a subset) with their minimum charge amount in the smallest unit. */
export const CURRENCY_MINIMUMS: Readonly<Record<string, number>> = {
  usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50, nzd: 50, chf: 50, sgd: 50, brl: 50, inr: 50,
  jpy: 50, sek: 300, nok: 300, dkk: 250, pln: 200, czk: 1500, hkd: 400, mxn: 1000,
};

/** Stripe's cap on a single amount (99,999,999 in the smallest unit). */
const MAX_AMOUNT = 99_999_999;

interface Shared {
  readonly all: Params[];
  readonly errors: ApiError[];
}

/**
 * Reads request parameters the way Stripe validates them: every reader records its first problem and returns a
 * placeholder, then `finish()` rejects unknown parameters before anything else (as Stripe reports them first),
 * then the first recorded problem. Nothing may be created before `finish()` returns.
 */
export class Params {
  private readonly seen = new Set<string>();

  private constructor(
    private readonly raw: FormObject,
    private readonly prefix: string,
    private readonly shared: Shared,
  ) {
    shared.all.push(this);
  }

  static of(raw: FormObject): Params {
    return new Params(raw, "", { all: [], errors: [] });
  }

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  fail(error: ApiError): void {
    this.shared.errors.push(error);
  }

  /** The raw value; an empty string means "unset" in Stripe's form encoding. */
  private take(key: string): FormValue | undefined {
    this.seen.add(key);
    const value = Object.hasOwn(this.raw, key) ? this.raw[key] : undefined;
    return value === "" ? undefined : value;
  }

  private scalar(key: string): string | undefined {
    const value = this.take(key);
    if (typeof value === "object") {
      this.fail(invalidRequest(`Invalid value for ${this.name(key)}: expected a string, got a hash.`, this.name(key), "parameter_invalid_string"));
      return undefined;
    }
    return value;
  }

  private missing(key: string): void {
    this.fail(invalidRequest(`Missing required param: ${this.name(key)}.`, this.name(key), "parameter_missing"));
  }

  /** Parameters every endpoint tolerates; `expand` is accepted and ignored (objects are returned unexpanded). */
  ignore(...keys: string[]): void {
    for (const key of keys) this.seen.add(key);
  }

  string(key: string, opts: { required?: boolean; oneOf?: readonly string[]; maxLength?: number } = {}): string | undefined {
    const value = this.scalar(key);
    if (value === undefined) {
      if (opts.required) this.missing(key);
      return undefined;
    }
    if (opts.oneOf && !opts.oneOf.includes(value)) {
      this.fail(invalidRequest(`Invalid ${this.name(key)}: must be one of ${opts.oneOf.join(", ")}`, this.name(key), "parameter_invalid_string"));
    } else if (opts.maxLength !== undefined && value.length > opts.maxLength) {
      this.fail(invalidRequest(`Invalid ${this.name(key)}: must be at most ${opts.maxLength} characters`, this.name(key), "parameter_invalid_string"));
    }
    return value;
  }

  integer(key: string, opts: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = this.scalar(key);
    if (value === undefined) {
      if (opts.required) this.missing(key);
      return undefined;
    }
    const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n)) {
      this.fail(invalidRequest(`Invalid integer: ${value}`, this.name(key), "parameter_invalid_integer"));
    } else if (opts.min !== undefined && n < opts.min) {
      this.fail(invalidRequest(`This value must be greater than or equal to ${opts.min}.`, this.name(key), "parameter_invalid_integer"));
    } else if (opts.max !== undefined && n > opts.max) {
      this.fail(invalidRequest(`This value must be less than or equal to ${opts.max}.`, this.name(key), "parameter_invalid_integer"));
    }
    return n;
  }

  /** A positive amount in the smallest currency unit, within Stripe's limits. */
  amount(key: string, opts: { required?: boolean } = {}): number | undefined {
    return this.integer(key, { ...opts, min: 1, max: MAX_AMOUNT });
  }

  boolean(key: string, opts: { required?: boolean } = {}): boolean | undefined {
    const value = this.scalar(key);
    if (value === "true" || value === "false") return value === "true";
    if (value === undefined) {
      if (opts.required) this.missing(key);
    } else {
      this.fail(invalidRequest(`Invalid boolean: ${value}`, this.name(key), "parameter_invalid_boolean"));
    }
    return undefined;
  }

  /** An array parameter, which the SDK sends as `key[0]=a&key[1]=b`. */
  list(key: string): string[] | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    const items = typeof value === "string" ? [value] : Object.values(value);
    if (items.every((v) => typeof v === "string")) return items as string[];
    this.fail(invalidRequest(`Invalid array: ${this.name(key)}`, this.name(key), "parameter_invalid_array"));
    return undefined;
  }

  /** Stripe accepts ISO codes in any case and answers in lowercase. */
  currency(key: string): string {
    const value = this.scalar(key)?.toLowerCase();
    if (value === undefined) {
      this.missing(key);
      return "";
    }
    if (!/^[a-z]{3}$/.test(value) || !(value in CURRENCY_MINIMUMS)) {
      this.fail(invalidRequest(
        `Invalid currency: ${value}. Stripe currently supports these currencies: ${Object.keys(CURRENCY_MINIMUMS).join(", ")}`,
        this.name(key),
      ));
    }
    return value;
  }

  /** Stripe's metadata rules: string values, up to 50 keys, keys up to 40 and values up to 500 characters. */
  metadata(key: string): Metadata {
    const value = this.take(key);
    if (value === undefined) return {};
    const param = this.name(key);
    if (typeof value === "string") {
      this.fail(invalidRequest("Invalid object", param, "parameter_invalid_object"));
      return {};
    }
    const entries = Object.entries(value);
    const bad = entries.find(([k, v]) => typeof v !== "string" || k.length > 40 || v.length > 500);
    if (entries.length > 50) this.fail(invalidRequest("You can specify up to 50 keys in metadata.", param));
    else if (bad) this.fail(invalidRequest(`Invalid metadata[${bad[0]}]: keys are strings up to 40 characters and values strings up to 500 characters.`, `${param}[${bad[0]}]`));
    // An empty value unsets the key.
    return Object.fromEntries(entries.filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
  }

  /** Stripe's range filter: an integer, or a hash of `gt`, `gte`, `lt`, `lte` integers (other keys are unknown parameters). */
  range(key: string): Range | undefined {
    const value = Object.hasOwn(this.raw, key) ? this.raw[key] : undefined;
    if (typeof value !== "object") {
      const exactly = this.integer(key);
      return exactly === undefined ? undefined : { gte: exactly, lte: exactly };
    }
    const hash = this.hash(key);
    if (!hash) return undefined;
    const range: Range = { gt: hash.integer("gt"), gte: hash.integer("gte"), lt: hash.integer("lt"), lte: hash.integer("lte") };
    return Object.fromEntries(Object.entries(range).filter(([, v]) => v !== undefined));
  }

  /** A hash parameter, read with its own Params so unknown nested keys are reported with their full name. */
  hash(key: string): Params | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (typeof value === "string") {
      this.fail(invalidRequest("Invalid object", this.name(key), "parameter_invalid_object"));
      return undefined;
    }
    return new Params(value, this.name(key), this.shared);
  }

  /** Throws the first validation problem, unknown parameters first. */
  finish(): void {
    for (const params of this.shared.all) {
      const unknown = Object.keys(params.raw).find((k) => !params.seen.has(k));
      if (unknown !== undefined) {
        const name = params.name(unknown);
        throw invalidRequest(`Received unknown parameter: ${name}`, name, "parameter_unknown");
      }
    }
    const [first] = this.shared.errors;
    if (first) throw first;
  }
}

/** Stripe's per-currency minimum charge; a step of its own because it needs both amount and currency. */
export function checkMinimumAmount(params: Params, amount: number | undefined, currency: string): void {
  const minimum = CURRENCY_MINIMUMS[currency];
  if (amount !== undefined && amount >= 1 && minimum !== undefined && amount < minimum) {
    params.fail(invalidRequest(`Amount must be at least ${minimum} ${currency} in the currency's smallest unit`, "amount", "amount_too_small"));
  }
}
