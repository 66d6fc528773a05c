import { describe, expect, it } from "vitest";
import { sanitizeErrorMessage } from "../../src/lib/sanitize.ts";

describe("sanitizeErrorMessage", () => {
  it.each([
    [
      "password authentication failed for postgresql://neondb_owner:npg_Xyz123@ep-cool-1.us-east-2.aws.neon.tech/neondb",
      ["npg_Xyz123", "neon.tech", "neondb_owner"],
    ],
    ["Invalid API Key provided: sk_live_51H8abcdefGHIJKLmnop", ["sk_live_51H8abcdefGHIJKLmnop"]],
    ["resend rejected re_123456789_abcdefghijkl", ["re_123456789_abcdefghijkl"]],
    ["twilio account AC0123456789abcdef0123456789abcdef denied", ["AC0123456789abcdef0123456789abcdef"]],
    ["header Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", ["eyJhbGciOiJIUzI1NiJ9", "Bearer eyJ"]],
    ["connect ECONNREFUSED 10.0.3.7:5432", ["10.0.3.7"]],
    ["getaddrinfo ENOTFOUND db.internal.corp.example", ["db.internal.corp.example"]],
    ["config error: password=supersecret host=x", ["supersecret"]],
  ])("scrubs %s", (input, forbidden) => {
    const output = sanitizeErrorMessage(new Error(input));
    for (const secret of forbidden) expect(output).not.toContain(secret);
    expect(output.length).toBeGreaterThan(0);
  });

  it("drops stack traces and everything after the first line", () => {
    const error = new Error("boom");
    error.message = "boom\n    at handler (/srv/app/src/index.ts:10:5)\n    at run (node:internal)";
    expect(sanitizeErrorMessage(error)).toBe("boom");
  });

  it("caps the length at 200 characters", () => {
    const output = sanitizeErrorMessage("x ".repeat(500));
    expect(output.length).toBeLessThanOrEqual(200);
  });

  it("keeps a harmless message intact", () => {
    expect(sanitizeErrorMessage("HTTP 500 from stripe")).toBe("HTTP 500 from stripe");
    expect(sanitizeErrorMessage(undefined)).toBe("unknown error");
  });
});
