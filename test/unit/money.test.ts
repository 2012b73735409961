import { describe, expect, it } from "vitest";
import { formatMoney } from "@/lib/money.ts";

describe("formatMoney", () => {
  it("formats cents in each currency, the same again from the kept formatter", () => {
    for (let i = 0; i < 2; i++) {
      expect(formatMoney(3200, "usd")).toBe("$32.00");
      expect(formatMoney(1999, "eur")).toBe("€19.99");
      expect(formatMoney(5, "USD")).toBe("$0.05");
    }
  });

  it("refuses a currency that is not one", () => {
    expect(() => formatMoney(100, "not-a-currency")).toThrow(RangeError);
  });
});
