// The operator console as an operator uses it: Debian's Chromium against `npm run dev`,
// signed in with the dev server's one click (and once through the fake Access team), the
// main journeys end to end, each change checked where the public sees it, and axe-core on
// every console page, light and dark, with the layout checked at 390 px.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hasBrowser, launchChromium } from "./chromium.ts";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

describe.skipIf(!hasBrowser)("the operator console in a real browser", () => {
  const { baseUrl: base, vendorsUrl } = inject("outside");
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const checked = new Set<string>();

  /** axe-core on the page as it is now; every console page gets this at least once. */
  async function accessible(p: Page = page) {
    await p.addScriptTag({ content: AXE });
    const result = await p.evaluate(() =>
      (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe.run(),
    );
    expect(
      result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
      p.url(),
    ).toEqual([]);
    checked.add(new URL(p.url()).pathname.replace(/\/[0-9a-f-]{36}$/, "/:id").replace(/^\/admin\/flags\/[a-z0-9_]+$/, "/admin/flags/:key"));
  }

  const ofrep = async (key: string, userId: string) => {
    const response = await fetch(`${base}/ofrep/v1/evaluate/flags/${key}`, {
      method: "POST",
      headers: { authorization: "Bearer dev-client-token", "content-type": "application/json" },
      body: JSON.stringify({ context: { targetingKey: userId } }),
    });
    return ((await response.json()) as { value: boolean }).value;
  };
  const users = Array.from({ length: 40 }, (_, i) => `6f1c2a8e-2222-4a2b-9c3d-${String(i).padStart(12, "0")}`);
  const usersOn = async (key: string) => (await Promise.all(users.map((u) => ofrep(key, u)))).filter(Boolean).length;
  /** The public status page as a reader who has not seen it before sees it (no browser cache). */
  async function statusPageText(): Promise<string> {
    const reader = await browser.newContext();
    const statusPage = await reader.newPage();
    await statusPage.goto(`${base}/`);
    const text = (await statusPage.locator("main").textContent()) ?? "";
    await reader.close();
    return text;
  }
  const publicStatus = async () => ((await (await fetch(`${base}/api/portal/status`)).json()) as { data: Record<string, any> }).data;

  beforeAll(async () => {
    browser = await launchChromium();
    // axe is injected as a script, which the console's CSP (rightly) forbids.
    context = await browser.newContext({ bypassCSP: true });
    page = await context.newPage();
    await page.goto(`${base}/admin/flags`);
    expect(new URL(page.url()).pathname).toBe("/admin/sign-in");
    await accessible();
    await page.getByRole("button", { name: "Sign in as the local developer" }).click();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Feature flags");
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("rolls a flag from 0 to 25 % and back, live for OFREP clients at once, with both changes in its history", async () => {
    await accessible();
    await page.getByRole("link", { name: "portal_ai_chat" }).click();
    await accessible();
    // The demo flag is off; switch it on at 0 % first.
    if ((await page.getByRole("button", { name: "Switch on" }).count()) > 0) await page.getByRole("button", { name: "Switch on" }).click();
    expect(await usersOn("portal_ai_chat")).toBe(0);

    await page.getByLabel("Rollout percentage").fill("25");
    await page.getByRole("button", { name: "Set percentage" }).click();
    await expect(page.getByRole("status").first().textContent()).resolves.toContain("portal_ai_chat is at 25 %");
    const on = await usersOn("portal_ai_chat");
    expect(on).toBeGreaterThan(0);
    expect(on).toBeLessThan(users.length);

    await page.getByLabel("Rollout percentage").fill("0");
    await page.getByRole("button", { name: "Set percentage" }).click();
    await expect(page.getByRole("status").first().textContent()).resolves.toContain("portal_ai_chat is at 0 %");
    expect(await usersOn("portal_ai_chat")).toBe(0);

    const history = await page.getByRole("table", { name: "Changes to portal_ai_chat, newest first" }).textContent();
    expect(history).toContain("rolloutPercentage: 25 → 0");
    expect(history).toContain("rolloutPercentage: 0 → 25");
    expect(history).toContain("local developer");
  });

  it("previews, starts and pauses a gradual rollout, live for OFREP clients at once", async () => {
    // A user the demo's 50 % includes and the rollout's first step (10 %) will not.
    const admin = { authorization: "Bearer dev-admin-token", "content-type": "application/json" };
    let between: string | undefined;
    for (const userId of users) {
      const check = await fetch(`${base}/api/admin/flags/portal_dark_mode/check`, { method: "POST", headers: admin, body: JSON.stringify({ userId }) });
      const { bucket } = ((await check.json()) as { data: { bucket: number } }).data;
      if (bucket >= 10 && bucket < 50) between = userId;
    }
    expect(between).toBeDefined();
    expect(await ofrep("portal_dark_mode", between!)).toBe(true);
    await page.goto(`${base}/admin/flags/portal_dark_mode`);
    await page.getByLabel("Start percentage").fill("10");
    await page.getByLabel("End percentage").fill("100");
    await page.getByLabel("Duration (hours)").fill("72");
    await page.getByLabel("A step every (hours)").fill("24");
    await page.getByRole("button", { name: "Preview steps" }).click();
    const preview = await page.getByRole("table", { name: /The plan, if started now: 4 percentages/ }).textContent();
    expect(preview).toMatch(/10 %.*40 %.*70 %.*100 %/);
    await accessible();
    await page.getByRole("button", { name: "Start rollout" }).click();
    await expect(page.getByRole("status").first().textContent()).resolves.toContain("Gradual rollout started at 10 %");
    await expect(page.getByRole("region", { name: "Gradual rollout" }).textContent()).resolves.toMatch(/active from 10 % to 100 % over 72 h/);
    expect(await ofrep("portal_dark_mode", between!)).toBe(false);
    await page.getByRole("button", { name: "Pause rollout" }).click();
    await expect(page.getByRole("status").first().textContent()).resolves.toContain("Rollout paused");
    await expect(page.getByRole("button", { name: "Resume rollout" }).isVisible()).resolves.toBe(true);
    const flags = (
      (await (await fetch(`${base}/api/admin/flags/portal_dark_mode`, { headers: { authorization: "Bearer dev-admin-token" } })).json()) as { data: any }
    ).data;
    expect(flags.rollout).toMatchObject({ status: "paused", startPercentage: 10, endPercentage: 100 });
    expect(flags.rolloutPercentage).toBe(10);
  });

  it("schedules a window on short notice after the warning, and the status page lists it at once", async () => {
    await page.goto(`${base}/admin/maintenance`);
    await accessible();
    const start = new Date(Date.now() + 5 * 3_600_000);
    const local = (d: Date) => d.toISOString().slice(0, 16);
    await page.getByLabel("Title").fill("Payment gateway switch-over");
    await page.getByLabel("Description").fill("Moving card payments to the new gateway");
    await page.getByLabel("Starts (UTC)").fill(local(start));
    await page.getByLabel("Ends (UTC)").fill(local(new Date(start.getTime() + 3_600_000)));
    await page.getByLabel("Expected duration (minutes)").fill("50");
    await page.getByRole("checkbox", { name: "Payments" }).check();
    await page.getByRole("button", { name: "Schedule window" }).click();
    const warning = await page.getByRole("alert").textContent();
    expect(warning).toMatch(/Less than 48 hours' notice/);
    expect(warning).toMatch(/less than a 50 % buffer over the expected 50 min/);
    await accessible();
    await page.getByRole("button", { name: "Schedule anyway" }).click();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Payment gateway switch-over");
    await accessible();
    const upcoming = (await publicStatus()).upcomingMaintenance as { title: string }[];
    expect(upcoming.map((m) => m.title)).toContain("Payment gateway switch-over");
    expect(await statusPageText()).toContain("Payment gateway switch-over");
  });

  it("opens an incident, posts identified and monitoring updates, resolves it, and the public sees each step", async () => {
    await page.goto(`${base}/admin/incidents`);
    await accessible();
    await page.getByLabel("Component").selectOption({ label: "SMS" });
    await page.getByLabel("Status").selectOption({ label: "Partial outage" });
    await page.getByLabel("Message").fill("Text messages are delayed");
    await page.getByRole("button", { name: "Open incident" }).click();
    await accessible();
    expect(((await publicStatus()).knownIssues as { message: string }[]).map((i) => i.message)).toContain("Text messages are delayed");

    for (const [phase, message] of [
      ["Identified", "A carrier outage in one region"],
      ["Monitoring", "Messages flow again; watching the queue"],
    ] as const) {
      await page.getByLabel("Phase", { exact: true }).selectOption({ label: phase });
      await page.getByRole("textbox", { name: "Update" }).fill(message);
      await page.getByRole("button", { name: "Post update" }).click();
      await expect(page.getByRole("status").first().textContent()).resolves.toContain(`Update posted: ${phase.toLowerCase()}`);
      expect(((await publicStatus()).knownIssues as { message: string }[]).map((i) => i.message)).toContain(message);
    }
    expect(await statusPageText()).toContain("Messages flow again; watching the queue");

    await page.getByLabel("Resolution").fill("The carrier fixed the route");
    await page.getByRole("button", { name: "Resolve incident" }).click();
    const timeline = await page.getByRole("region", { name: "Timeline, as the status page shows it" }).textContent();
    expect(timeline).toMatch(
      /Resolved — The carrier fixed the route.*Monitoring — Messages flow again.*Identified — A carrier outage.*Investigating — Text messages are delayed/s,
    );
    expect(((await publicStatus()).knownIssues as { component: string }[]).map((i) => i.component)).not.toContain("twilio");
    expect(await statusPageText()).toMatch(/Past incidents.*Resolved — The carrier fixed the route/s);
  });

  it("shows health and the whole audit log, accessibly, light and dark, and fits a 390 px phone", async () => {
    for (const path of ["/admin/health", "/admin/audit", "/admin/audit?entity=flag&key=portal_ai_chat"]) {
      await page.goto(`${base}${path}`);
      await accessible();
    }
    expect(await page.getByRole("table").first().textContent()).toContain("portal_ai_chat");
    const dark = await browser.newContext({ bypassCSP: true, colorScheme: "dark", viewport: { width: 390, height: 844 } });
    await dark.addCookies(await context.cookies());
    const phone = await dark.newPage();
    for (const path of ["/admin/flags", "/admin/flags/portal_ai_chat", "/admin/maintenance", "/admin/incidents", "/admin/health", "/admin/audit"]) {
      await phone.goto(`${base}${path}`);
      await accessible(phone);
      expect(
        await phone.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth),
        path,
      ).toBeLessThanOrEqual(390);
    }
    await dark.close();
    for (const path of [
      "/admin/sign-in",
      "/admin/flags",
      "/admin/flags/:key",
      "/admin/maintenance",
      "/admin/maintenance/:id",
      "/admin/incidents",
      "/admin/incidents/:id",
      "/admin/health",
      "/admin/audit",
    ]) {
      expect(checked.has(path), `axe-core ran on ${path}`).toBe(true);
    }
  });

  it("signs in through Cloudflare Access (the dev server's fake team) and refuses another application's assertion", async () => {
    const mint = async (aud: string) =>
      (
        (await (await fetch(`${vendorsUrl}/__access/token`, { method: "POST", body: JSON.stringify({ email: "oncall@example.com", aud }) })).json()) as {
          token: string;
        }
      ).token;
    const viaAccess = await browser.newContext({ extraHTTPHeaders: { "cf-access-jwt-assertion": await mint("local-dev-access-aud") } });
    const accessPage = await viaAccess.newPage();
    await accessPage.goto(`${base}/admin/flags`);
    await expect(accessPage.locator("header").textContent()).resolves.toContain("Signed in as oncall@example.com (Cloudflare Access)");
    await viaAccess.close();
    const wrong = await browser.newContext({ extraHTTPHeaders: { "cf-access-jwt-assertion": await mint("another-application") } });
    const refused = await (await wrong.newPage()).goto(`${base}/admin/flags`);
    expect(refused?.status()).toBe(403);
    await wrong.close();
  });
});
