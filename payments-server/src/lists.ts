import type { App } from "./app.ts";
import { found, invalidRequest } from "./errors.ts";
import { inRange, type Params } from "./params.ts";
import { defineEndpoint } from "./router.ts";

/** Stripe's cursor pagination parameters, shared by every list endpoint. */
export interface PageQuery {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
}

export function readPageQuery(params: Params): PageQuery {
  const query: PageQuery = {
    limit: params.integer("limit", { min: 1, max: 100 }) ?? 10,
    startingAfter: params.string("starting_after"),
    endingBefore: params.string("ending_before"),
  };
  if (query.startingAfter !== undefined && query.endingBefore !== undefined) {
    params.fail(invalidRequest("Received both starting_after and ending_before parameters. Please pass in only one.", "ending_before"));
  }
  return query;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

/**
 * One page of `all` (newest first, as Stripe lists). A cursor is a position in the whole sequence, not in the
 * filtered one, so paging stays stable while `keep` filters; `ending_before` pages towards newer objects and
 * `has_more` then says whether newer ones remain. An unknown cursor is Stripe's 400 resource_missing.
 */
export function paginate<T extends { id: string }>(all: readonly T[], keep: (item: T) => boolean, query: PageQuery, kind: string, cursorParam?: string): Page<T> {
  const position = (id: string, param: string) => {
    const index = all.findIndex((item) => item.id === id);
    return index >= 0 ? index : found<number>(undefined, kind, id, cursorParam ?? param, 400);
  };
  let window = all;
  if (query.startingAfter !== undefined) window = all.slice(position(query.startingAfter, "starting_after") + 1);
  else if (query.endingBefore !== undefined) window = all.slice(0, position(query.endingBefore, "ending_before"));
  const matching = window.filter(keep);
  const data = query.endingBefore !== undefined ? matching.slice(-query.limit) : matching.slice(0, query.limit);
  return { data, hasMore: matching.length > data.length };
}

/** Stripe's list envelope. */
export function listObject<T>(url: string, page: Page<T>) {
  return { object: "list" as const, data: page.data, has_more: page.hasMore, url };
}

/** Objects kept in creation order, newest first. */
export function newestFirst<T>(objects: Iterable<T>): T[] {
  return [...objects].reverse();
}

interface ListSpec<T extends { id: string; created: number }> {
  path: string;
  /** The object's name in resource_missing errors for an unknown cursor. */
  kind: string;
  /** Every object, newest first. */
  all(app: App): T[];
  /** Exact-match filters: the parameter, and the field it is compared with. */
  equals?: Record<string, (item: T) => string | null>;
  /** Filters of their own (e.g. a wildcard), read from the parameters. */
  filter?(params: Params): (item: T) => boolean;
}

/** A Stripe list endpoint: `limit`, cursors, `created` ranges and the resource's own filters; newest first. */
export function listEndpoint<T extends { id: string; created: number }>(spec: ListSpec<T>) {
  return defineEndpoint<{ page: PageQuery; keep: (item: T) => boolean }>({
    method: "GET",
    path: spec.path,
    prepare(params) {
      const page = readPageQuery(params);
      const created = params.range("created");
      const equals = Object.entries(spec.equals ?? {}).map(([param, field]) => ({ value: params.string(param), field }));
      const own = spec.filter?.(params);
      params.ignore("expand");
      params.finish();
      const keep = (item: T) =>
        inRange(item.created, created) && equals.every(({ value, field }) => value === undefined || field(item) === value) && (own?.(item) ?? true);
      return { page, keep };
    },
    execute: ({ page, keep }, exec) => listObject(spec.path, paginate(spec.all(exec.app), keep, page, spec.kind)),
  });
}
