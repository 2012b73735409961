import { describe, expect, it } from "vitest";
import { ApiError } from "../src/errors.ts";
import { parseForm } from "../src/form.ts";

describe("form parsing (Stripe's bracket notation)", () => {
  it("nests brackets, indexes arrays and decodes", () => {
    expect(parseForm("a=1&m[k]=v%20w&m[x+y]=z&list[0]=p&list[1]=q&deep[a][b]=c&e=&flag")).toEqual({
      a: "1",
      m: { k: "v w", "x y": "z" },
      list: { 0: "p", 1: "q" },
      deep: { a: { b: "c" } },
      e: "",
      flag: "",
    });
    expect(parseForm("")).toEqual({});
  });

  it.each(["a[b", "a]=1", "[a]=1", "a=1&a=2", "a[b]=1&a=2", "__proto__[x]=1", "a=%E0%A4%A"])("rejects %s", (text) => {
    expect(() => parseForm(text)).toThrow(ApiError);
  });
});
