import { type ApiError, invalidRequest } from "./errors.ts";

/**
 * Stripe's search query language (docs.stripe.com/search#search-query-language), the part PaymentIntents use:
 * clauses `field:value`, `metadata['key']:'value'`, numeric comparators (`amount>1000`, `created<=…`), `-` to negate,
 * `null` for absence; clauses joined by spaces or AND, or by OR, but never both; no parentheses; at most 10 clauses.
 * Anything else is a 400 invalid_request_error on `query`, as Stripe answers.
 */

/** token: exact match, case-insensitive, quoted values; numeric: exact match and comparators, quotes optional. */
export type FieldType = "token" | "numeric";
export type SearchFields = Readonly<Record<string, FieldType>>;

type Operator = ":" | "=" | ">" | "<" | ">=" | "<=" | "~";

export interface Clause {
  negated: boolean;
  field: string;
  /** The metadata key of `metadata['key']`. */
  key?: string;
  operator: Operator;
  /** null for the `null` token (field absent). */
  value: string | null;
}

export interface SearchQuery {
  join: "and" | "or";
  clauses: Clause[];
}

export const MAX_CLAUSES = 10;

function queryError(message: string): ApiError {
  return invalidRequest(`Invalid search query: ${message}. See https://stripe.com/docs/search#search-query-language.`, "query");
}

/** Reads the query left to right; `at` is where it stands, for error messages that point at the problem. */
class Scanner {
  at = 0;

  constructor(readonly text: string) {}

  done(): boolean {
    return this.at >= this.text.length;
  }

  /** Consumes what the sticky regex matches here. */
  take(pattern: RegExp): string | undefined {
    const sticky = new RegExp(pattern.source, `${pattern.flags.replace("y", "")}y`);
    sticky.lastIndex = this.at;
    const match = sticky.exec(this.text)?.[0];
    if (match !== undefined) this.at += match.length;
    return match;
  }

  spaces(): boolean {
    return this.take(/\s+/) !== undefined;
  }

  /** A '…' or "…" string; a backslash escapes the next character. undefined when no quote starts here. */
  quoted(): string | undefined {
    const quote = this.text[this.at];
    if (quote !== "'" && quote !== '"') return undefined;
    let out = "";
    for (let i = this.at + 1; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === "\\" && i + 1 < this.text.length) out += this.text[++i];
      else if (c === quote) {
        this.at = i + 1;
        return out;
      } else out += c;
    }
    throw queryError(`unterminated string starting at position ${this.at}`);
  }

  noParentheses(): void {
    if (this.text[this.at] === "(" || this.text[this.at] === ")") throw queryError(`parentheses are not supported (position ${this.at})`);
  }
}

function readValue(s: Scanner): { text: string; quoted: boolean } {
  const quoted = s.quoted();
  if (quoted !== undefined) return { text: quoted, quoted: true };
  s.noParentheses();
  const bare = s.take(/[^\s()]+/);
  if (bare === undefined) throw queryError(`expected a value at position ${s.at}`);
  return { text: bare, quoted: false };
}

function checkClause(clause: Clause, type: FieldType, quoted: boolean): void {
  const { field, operator, value } = clause;
  const name = clause.key === undefined ? field : `metadata['${clause.key}']`;
  if (value === null) {
    if (operator !== ":") throw queryError(`null only works with ':' (${name}:null)`);
    return;
  }
  if (operator === "~") throw queryError(`the substring operator '~' does not apply to ${type} field '${field}'`);
  if (type === "token") {
    if (operator !== ":") throw queryError(`'${operator}' does not apply to token field '${field}'; use ${name}:'value'`);
    if (!quoted) throw queryError(`string values must be quoted: ${name}:'${value}'`);
  } else if (!/^-?\d+$/.test(value)) {
    throw queryError(`'${field}' is numeric, '${value}' is not an integer`);
  }
}

function readClause(s: Scanner, fields: SearchFields): Clause {
  s.noParentheses();
  const negated = s.take(/-/) !== undefined;
  const field = s.take(/[A-Za-z_][A-Za-z0-9_.]*/);
  if (field === undefined) throw queryError(`expected a field name at position ${s.at}`);
  const type = fields[field];
  if (type === undefined) throw queryError(`'${field}' is not a searchable field; use one of ${Object.keys(fields).join(", ")}`);
  let key: string | undefined;
  if (field === "metadata") {
    key = s.take(/\[/) !== undefined ? s.quoted() : undefined;
    if (key === undefined || s.take(/\]/) === undefined) throw queryError(`metadata takes a quoted key: metadata['key']:'value'`);
  }
  const operator = s.take(/>=|<=|[:=><~]/) as Operator | undefined;
  if (operator === undefined) throw queryError(`expected an operator (: > < >= <= = ~) after '${field}' at position ${s.at}`);
  const { text, quoted } = readValue(s);
  s.noParentheses();
  const clause: Clause = { negated, field, key, operator, value: !quoted && text.toLowerCase() === "null" ? null : text };
  checkClause(clause, type, quoted);
  return clause;
}

export function parseSearchQuery(text: string, fields: SearchFields): SearchQuery {
  const s = new Scanner(text);
  s.spaces();
  if (s.done()) throw queryError("the query is empty");
  const clauses: Clause[] = [];
  const joins = new Set<"and" | "or">();
  for (;;) {
    clauses.push(readClause(s, fields));
    const spaced = s.spaces();
    if (s.done()) break;
    if (!spaced) throw queryError(`expected a space, AND or OR at position ${s.at}`);
    const keyword = s.take(/(and|or)(?=\s|$)/i);
    joins.add(keyword?.toLowerCase() === "or" ? "or" : "and");
    if (keyword !== undefined) s.spaces();
  }
  if (joins.size > 1) throw queryError("AND and OR cannot be combined in one query");
  if (clauses.length > MAX_CLAUSES) throw queryError(`at most ${MAX_CLAUSES} clauses, got ${clauses.length}`);
  return { join: joins.has("or") ? "or" : "and", clauses };
}

export type FieldValue = string | number | null | undefined;

function holds(clause: Clause, actual: FieldValue): boolean {
  const { operator, value } = clause;
  if (value === null) return actual === null || actual === undefined;
  if (actual === null || actual === undefined) return false;
  if (typeof actual === "string") return actual.toLowerCase() === value.toLowerCase();
  const n = Number(value);
  switch (operator) {
    case ">": return actual > n;
    case "<": return actual < n;
    case ">=": return actual >= n;
    case "<=": return actual <= n;
    default: return actual === n;
  }
}

/** Whether an object matches; `read` gives a field's value (and a metadata key's). */
export function matchesQuery(query: SearchQuery, read: (field: string, key?: string) => FieldValue): boolean {
  const test = (c: Clause) => holds(c, read(c.field, c.key)) !== c.negated;
  return query.join === "and" ? query.clauses.every(test) : query.clauses.some(test);
}
