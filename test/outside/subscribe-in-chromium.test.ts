// Subscribing as a reader does: the status page's form in Debian's Chromium with
// JavaScript off, the confirmation link from the email the fake Resend recorded, a
// message about an incident, and the unsubscribe button — against `npm run dev`.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hasBrowser, launchChromium } from "./chromium.ts";

interface Email {
  to: string[];
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

describe.skipIf(!hasBrowser)("subscribing from the status page in a real browser", () => {
  const { baseUrl: base, vendorsUrl } = inject("outside");
  const address = `reader-${Date.now()}@example.com`;
  const inbox = async () => ((await (await fetch(`${vendorsUrl}/__emails/default`)).json()) as Email[]).filter((e) => e.to.includes(address));
  /** The cron runs after /__scheduled answers (in waitUntil): wait for the mail to land. */
  const inboxOf = async (count: number) => {
    for (let i = 0; i < 100; i++) {
      const emails = await inbox();
      if (emails.length >= count) return emails;
      await new Promise((r) => setTimeout(r, 100));
    }
    return inbox();
  };
  const link = (text: string, path: string) => new RegExp(`${base}${path}\\?token=\\S+`).exec(text)?.[0];
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("subscribes with the form (no script), confirms from the email, hears of an incident and unsubscribes with the button", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByRole("radio", { name: "email" }).check();
    await page.getByLabel("Email address or webhook URL").fill(address);
    await page.getByRole("checkbox", { name: "Payments" }).check();
    await page.getByRole("button", { name: "Subscribe" }).click();
    await expect(page.locator("main").textContent()).resolves.toContain("a confirmation is on its way");

    const [confirmation] = await inboxOf(1);
    expect(confirmation?.subject).toBe("[Portal status] Confirm your subscription");
    await page.goto(link(confirmation!.text, "/subscriptions/confirm")!);
    await page.getByRole("button", { name: "Confirm subscription" }).click();
    await expect(page.locator("main").textContent()).resolves.toContain("You are subscribed");

    const admin = { authorization: "Bearer dev-admin-token", "content-type": "application/json" };
    const opened = await fetch(`${base}/api/admin/incidents`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ component: "stripe", status: "degraded", message: "Card payments are slow" }),
    });
    expect(opened.status).toBe(201);
    const incident = ((await opened.json()) as { data: { id: string } }).data;
    await fetch(`${base}/__scheduled?cron=*+*+*+*+*`);
    const messages = await inboxOf(2);
    expect(messages.map((m) => m.subject)).toEqual(["[Portal status] Confirm your subscription", "[Portal status] Incident: Payments (degraded)"]);
    expect(messages[1]!.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");

    await page.goto(link(messages[1]!.text, "/subscriptions/unsubscribe")!);
    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await expect(page.locator("main").textContent()).resolves.toContain("You are unsubscribed");
    await fetch(`${base}/api/admin/incidents/${incident.id}/resolve`, { method: "POST", headers: admin, body: "{}" });
    await fetch(`${base}/__scheduled?cron=*+*+*+*+*`);
    // Once the run has fanned the resolution out (to no one), nothing more has arrived.
    for (let i = 0; i < 100; i++) {
      const notifications = (await (await fetch(`${base}/api/admin/notifications`, { headers: admin })).json()) as {
        data: { kind: string; fannedOutAt: string | null }[];
      };
      if (notifications.data.some((n) => n.kind === "incident.resolved" && n.fannedOutAt)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await inbox()).toHaveLength(2);
    await context.close();
  });
});
