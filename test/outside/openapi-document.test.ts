// The OpenAPI document as API tooling reads it: @redocly/cli lint (recommended-strict, so
// a warning fails too; offline, no telemetry). Real responses are checked against it in
// test/http/openapi-conformance.test.ts.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";

const run = promisify(execFile);

describe("the OpenAPI document", () => {
  const { baseUrl } = inject("outside");

  it("lints clean with @redocly/cli (0 errors, 0 warnings)", async () => {
    const document = await (await fetch(`${baseUrl}/api/openapi.json`)).json();
    mkdirSync("test-results", { recursive: true });
    writeFileSync("test-results/openapi.json", JSON.stringify(document, null, 2));
    const result = await run(
      process.execPath,
      ["node_modules/@redocly/cli/bin/cli.js", "lint", "test-results/openapi.json", "--config", "redocly.yaml", "--format", "json"],
      {
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", CI: "true" },
      },
    ).catch((error: { stdout: string; stderr: string }) => error);
    const report = JSON.parse(result.stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
