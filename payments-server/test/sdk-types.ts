import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import ts from "typescript";

/**
 * Checks JSON answers against the installed `stripe` package's own type declarations, read with the TypeScript
 * compiler API: every property the SDK declares as always present (not `?`) must be there, recursively through
 * nested objects, arrays and unions, with a value of a declared type (null only where the type allows null, a
 * literal among the declared ones when the SDK closes the set), and nothing the SDK does not declare. An SDK upgrade
 * that adds a field makes the check fail until the server follows.
 */

/** The installed package (its CommonJS entry is <package>/cjs/stripe.cjs.node.js), whichever version that is. */
const stripeEsm = join(dirname(dirname(createRequire(import.meta.url).resolve("stripe"))), "esm");

/** The answers the server gives, as the SDK types them. */
const SHAPES = `
import type { PaymentIntent } from ${JSON.stringify(join(stripeEsm, "resources/PaymentIntents.js"))};
import type { Charge } from ${JSON.stringify(join(stripeEsm, "resources/Charges.js"))};
import type { Refund } from ${JSON.stringify(join(stripeEsm, "resources/Refunds.js"))};
import type { Event } from ${JSON.stringify(join(stripeEsm, "resources/Events.js"))};
import type { ApiList, ApiSearchResult } from ${JSON.stringify(join(stripeEsm, "lib.js"))};
export interface Shapes {
  PaymentIntent: PaymentIntent;
  Charge: Charge;
  Refund: Refund;
  Event: Event;
  PaymentIntentList: ApiList<PaymentIntent>;
  ChargeList: ApiList<Charge>;
  RefundList: ApiList<Refund>;
  EventList: ApiList<Event>;
  PaymentIntentSearchResult: ApiSearchResult<PaymentIntent>;
}
`;
export type ShapeName = "PaymentIntent" | "Charge" | "Refund" | "Event" | "PaymentIntentList" | "ChargeList" | "RefundList" | "EventList" | "PaymentIntentSearchResult";

const ROOT = join(stripeEsm, "__payments_server_shapes__.ts");

type Kind = "null" | "undefined" | "string" | "number" | "boolean" | "array" | "object";

function kindOf(value: unknown): Kind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as Kind;
}

export interface SdkTypes {
  /** Problems found, each `path: what`; empty when the value has the SDK's shape. */
  check(value: unknown, shape: ShapeName): string[];
  /** The property names the SDK declares as always present on a shape (top level). */
  required(shape: ShapeName): string[];
}

export function loadSdkTypes(): SdkTypes {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, types: [], module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022 };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) => (name === ROOT ? ts.createSourceFile(name, SHAPES, version) : getSourceFile.call(host, name, version, ...rest));
  host.fileExists = (name) => name === ROOT || fileExists.call(host, name);
  host.readFile = (name) => (name === ROOT ? SHAPES : readFile.call(host, name));
  const program = ts.createProgram([ROOT], options, host);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(ROOT);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  const shapes = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === "Shapes");
  if (!shapes) throw new Error(`could not read the stripe types under ${stripeEsm}`);
  const shapesType = checker.getDeclaredTypeOfSymbol(shapes);
  const shapeType = (name: ShapeName) => {
    const prop = shapesType.getProperty(name);
    if (!prop) throw new Error(`no shape ${name}`);
    return checker.getTypeOfSymbol(prop);
  };

  const members = (type: ts.Type): ts.Type[] => (type.isUnion() ? type.types : [type]);
  const isArray = (type: ts.Type) => checker.isArrayType(type) || checker.isTupleType(type);
  const isObject = (type: ts.Type) => (type.flags & ts.TypeFlags.Object) !== 0 && !isArray(type);
  const isOptional = (symbol: ts.Symbol) => (symbol.flags & ts.SymbolFlags.Optional) !== 0;

  /** Which JS kinds a (non-union) type admits; `OtherString` (string & {}) counts as string. */
  function kindsOf(type: ts.Type): Kind[] {
    const f = type.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return ["null", "string", "number", "boolean", "array", "object"];
    if (f & ts.TypeFlags.Null) return ["null"];
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return ["undefined"];
    if (f & ts.TypeFlags.StringLike) return ["string"];
    if (f & ts.TypeFlags.NumberLike) return ["number"];
    if (f & ts.TypeFlags.BooleanLike) return ["boolean"];
    if (type.isIntersection()) return type.types.flatMap(kindsOf).filter((k) => k !== "object");
    if (isArray(type)) return ["array"];
    if (isObject(type)) return ["object"];
    return [];
  }

  /** A closed set of string literals (no plain string or OtherString among the members), or undefined. */
  function literals(type: ts.Type): string[] | undefined {
    const strings = members(type).filter((t) => kindsOf(t).includes("string"));
    if (strings.length === 0 || !strings.every((t) => t.isStringLiteral())) return undefined;
    return strings.map((t) => (t as ts.StringLiteralType).value);
  }

  /** Object members of a union that the value's literal-typed properties (object, type, status...) do not rule out. */
  function candidates(objects: ts.Type[], value: Record<string, unknown>): ts.Type[] {
    return objects.filter((t) =>
      checker.getPropertiesOfType(t).every((prop) => {
        const v = value[prop.name];
        const allowed = typeof v === "string" ? literals(checker.getTypeOfSymbol(prop)) : undefined;
        return !allowed || allowed.includes(v as string);
      }),
    );
  }

  function checkObject(value: Record<string, unknown>, type: ts.Type, path: string, errors: string[]): void {
    const declared = new Set<string>();
    for (const prop of checker.getPropertiesOfType(type)) {
      declared.add(prop.name);
      if (!Object.hasOwn(value, prop.name)) {
        if (!isOptional(prop)) errors.push(`${path}.${prop.name}: missing (${checker.typeToString(checker.getTypeOfSymbol(prop))})`);
        continue;
      }
      check(value[prop.name], checker.getTypeOfSymbol(prop), `${path}.${prop.name}`, errors);
    }
    const index = checker.getIndexTypeOfType(type, ts.IndexKind.String);
    for (const [key, v] of Object.entries(value)) {
      if (declared.has(key)) continue;
      if (index) check(v, index, `${path}[${JSON.stringify(key)}]`, errors);
      else errors.push(`${path}.${key}: not declared by the SDK`);
    }
  }

  function check(value: unknown, type: ts.Type, path: string, errors: string[]): void {
    const kind = kindOf(value);
    const admitting = members(type).filter((t) => kindsOf(t).includes(kind));
    if (admitting.length === 0) {
      errors.push(`${path}: ${kind} where the SDK declares ${checker.typeToString(type)}`);
      return;
    }
    if (kind === "string") {
      const allowed = literals(type);
      if (allowed && !allowed.includes(value as string)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
    } else if (kind === "array") {
      const element = admitting.flatMap((t) => checker.getTypeArguments(t as ts.TypeReference));
      const [elementType] = element;
      if (elementType) (value as unknown[]).forEach((item, i) => check(item, elementType, `${path}[${i}]`, errors));
    } else if (kind === "object") {
      const record = value as Record<string, unknown>;
      const viable = candidates(admitting, record);
      // None fits its literals: report against every declared member, the closest one's problems.
      const tried = (viable.length > 0 ? viable : admitting).map((t) => {
        const found: string[] = [];
        checkObject(record, t, path, found);
        return found;
      });
      if (!tried.some((found) => found.length === 0)) errors.push(...tried.reduce((a, b) => (b.length < a.length ? b : a)));
    }
  }

  return {
    check(value, shape) {
      const errors: string[] = [];
      check(value, shapeType(shape), shape, errors);
      return errors;
    },
    required(shape) {
      const type = shapeType(shape);
      return checker.getPropertiesOfType(type).filter((p) => !isOptional(p)).map((p) => p.name);
    },
  };
}
