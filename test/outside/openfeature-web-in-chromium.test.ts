// The OpenFeature web SDK with its OFREP provider, in Chromium, on a page from another
// origin: the CORS preflight, the bulk evaluation, a context change, and polling that
// revalidates with If-None-Match and gets 304. Every value must be what the server's own
// evaluation says, and the browser must report no CORS error.
import { createServer, type Server } from "node:http";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hasBrowser, launchChromium } from "./chromium.ts";

const ADMIN = { authorization: "Bearer dev-admin-token", "content-type": "application/json" };
const USERS = ["5b8f2c1e-0000-4000-8000-000000000001", "5b8f2c1e-0000-4000-8000-000000000002"];
const FLAGS = ["portal_analytics", "portal_messaging", "portal_dark_mode", "portal_ai_chat"];

// Runs in the page: the SDK and provider, bundled by esbuild for the browser.
const ENTRY = `
import { OpenFeature } from "@openfeature/web-sdk";
import { OFREPWebProvider } from "@openfeature/ofrep-web-provider";
window.flagsFor = async (baseUrl, token, users, flags) => {
  const provider = new OFREPWebProvider({ baseUrl, headers: [["Authorization", "Bearer " + token]], pollInterval: 700, disableVisibilityRefresh: true });
  await OpenFeature.setProviderAndWait(provider, { targetingKey: users[0] });
  const client = OpenFeature.getClient();
  const read = () => Object.fromEntries(flags.map((f) => [f, client.getBooleanDetails(f, false)]).map(([f, d]) => [f, { value: d.value, reason: d.reason, errorCode: d.errorCode ?? null }]));
  const first = read();
  await OpenFeature.setContext({ targetingKey: users[1] });
  const second = read();
  await new Promise((r) => setTimeout(r, 2000)); // polling revalidates meanwhile
  return { first, second };
};`;

describe.skipIf(!hasBrowser)("OFREP from a browser on another origin", () => {
  const { baseUrl } = inject("outside");
  let browser: Browser;
  let site: Server;
  let siteUrl: string;

  beforeAll(async () => {
    const bundle = await build({
      stdin: { contents: ENTRY, resolveDir: process.cwd(), loader: "js" },
      bundle: true,
      format: "iife",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    const script = bundle.outputFiles[0]!.text;
    site = createServer((req, res) => {
      if (req.url === "/app.js") {
        res.writeHead(200, { "content-type": "text/javascript" });
        res.end(script);
      } else {
        res.writeHead(200, { "content-type": "text/html" });
        res.end('<!doctype html><title>portal</title><script src="/app.js"></script>');
      }
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    // "localhost" and "127.0.0.1" are different origins: the page is cross-origin to the API.
    siteUrl = `http://localhost:${(site.address() as { port: number }).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  it("evaluates every flag as the server does, through the preflight, a context change and 304 revalidations", async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    const ofrep: { method: string; status: number; ifNoneMatch: string | null }[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/ofrep/"))
        ofrep.push({ method: r.request().method(), status: r.status(), ifNoneMatch: r.request().headers()["if-none-match"] ?? null });
    });
    await page.goto(`${siteUrl}/`);
    const result = (await page.evaluate(
      `window.flagsFor(${JSON.stringify(baseUrl)}, "dev-client-token", ${JSON.stringify(USERS)}, ${JSON.stringify(FLAGS)})`,
    )) as Record<"first" | "second", Record<string, { value: boolean; reason: string; errorCode: string | null }>>;

    for (const [i, round] of [result.first, result.second].entries()) {
      for (const flag of FLAGS) {
        const check = (await (
          await fetch(`${baseUrl}/api/admin/flags/${flag}/check`, { method: "POST", headers: ADMIN, body: JSON.stringify({ userId: USERS[i] }) })
        ).json()) as { data: { enabled: boolean } };
        expect(round[flag], `${flag} for user ${i}`).toMatchObject({ value: check.data.enabled, errorCode: null });
      }
    }
    // Chromium does not report preflights to the page; the POSTs it let through (with an
    // Authorization header and a JSON body, from another origin) are the proof they passed.
    expect(ofrep.filter((r) => r.method === "POST" && r.status === 200).length).toBeGreaterThanOrEqual(2);
    const preflight = await fetch(`${baseUrl}/ofrep/v1/evaluate/flags`, {
      method: "OPTIONS",
      headers: { origin: siteUrl, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type,if-none-match" },
    });
    expect(preflight.status).toBe(204);
    // Polling sent the ETag back (readable only because it is exposed) and got 304.
    expect(ofrep.some((r) => r.method === "POST" && r.status === 304 && r.ifNoneMatch)).toBe(true);
    expect(consoleErrors.filter((e) => /CORS|Access-Control/i.test(e))).toEqual([]);
    await page.close();
  });
});
