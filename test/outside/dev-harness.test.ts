// `npm run dev` as a local user sees it from outside: what other users of the machine can
// read in the process list.
import { execFileSync } from "node:child_process";
import { describe, expect, inject, it } from "vitest";

describe("npm run dev", () => {
  it("puts no secret on the command line of any process it starts (ps shows those to every user)", () => {
    const { pid } = inject("outside");
    const commandLines = execFileSync("ps", ["-o", "args=", "-g", String(pid)], { encoding: "utf8" });
    expect(commandLines).toContain("wrangler");
    for (const secret of ["dev-admin-token", "dev-client-token", "postgresql://", "sk_test_", "ADMIN_TOKENS", "DATABASE_URL", "PAGERDUTY_ROUTING_KEY"]) {
      expect(commandLines).not.toContain(secret);
    }
  });
});
