import { invalidRequest } from "./errors.ts";

/** A decoded form body: Stripe's bracket notation (`metadata[orderId]=1`, `expand[0]=x`) becomes nested objects. */
export type FormValue = string | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

function malformed(detail: string, param?: string) {
  return invalidRequest(
    `Invalid request: unable to parse the form-encoded body (${detail}). Send parameters as application/x-www-form-urlencoded, nesting with brackets such as metadata[key]=value.`,
    param,
  );
}

function decode(text: string, param: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    throw malformed("invalid percent-encoding", param);
  }
}

function segmentsOf(key: string): string[] {
  const m = KEY.exec(key);
  if (!m) throw malformed(`bad parameter name '${key}'`, key);
  const nested = [...(m[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((s) => s[1] ?? "");
  const segments = [m[1] ?? "", ...nested];
  if (segments.some((s) => FORBIDDEN.has(s))) throw malformed(`reserved parameter name '${key}'`, key);
  return segments;
}

function assign(root: FormObject, key: string, value: string): void {
  const segments = segmentsOf(key);
  let node = root;
  segments.forEach((raw, i) => {
    // `list[]=a&list[]=b` appends, like Stripe's own parser.
    const segment = raw === "" ? String(Object.keys(node).length) : raw;
    const existing = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (i === segments.length - 1) {
      if (existing !== undefined) throw malformed(`parameter '${key}' given more than once or both as a value and a hash`, key);
      node[segment] = value;
      return;
    }
    if (typeof existing === "string") throw malformed(`parameter '${key}' given both as a value and a hash`, key);
    node = existing ?? (node[segment] = {});
  });
}

/** Parses `a=1&b[c]=2`; throws Stripe's 400 for anything it cannot read unambiguously. */
export function parseForm(text: string): FormObject {
  const root: FormObject = {};
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const key = decode(rawKey, rawKey);
    assign(root, key, decode(eq < 0 ? "" : pair.slice(eq + 1), key));
  }
  return root;
}

/** Stripe's API reads form-encoded bodies only; a JSON body is a client bug worth a clear 400. */
export function parseFormBody(contentType: string | undefined, body: string): FormObject {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (body.length > 0 && type && type !== "application/x-www-form-urlencoded") {
    throw malformed(`unsupported Content-Type '${type}'`);
  }
  return parseForm(body);
}
