import { describe, expect, it } from "vitest";
import { metricsAccess } from "@/lib/metrics-access.ts";

const token = "metrics_token_0123456789";

describe("who may read /api/metrics", () => {
  it("in a production build: only the bearer of METRICS_TOKEN, and nobody (404) when it is unset", () => {
    const production = (authorization: string | null, configured: { token: string | undefined } = { token }) => metricsAccess(authorization, { production: true, ...configured });
    expect(production(`Bearer ${token}`)).toBe("granted");
    expect(production(null)).toBe("denied");
    expect(production(`Bearer ${token}x`)).toBe("denied");
    expect(production(`Basic ${token}`)).toBe("denied");
    expect(production(token)).toBe("denied");
    expect(production(`Bearer ${token}`, { token: undefined })).toBe("absent");
    expect(production(null, { token: undefined })).toBe("absent");
  });

  it("in development: open, token or not", () => {
    expect(metricsAccess(null, { production: false, token: undefined })).toBe("open");
    expect(metricsAccess(null, { production: false, token })).toBe("open");
  });
});
