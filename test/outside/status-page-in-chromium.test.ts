// The status page as a person sees it: Debian's Chromium, driven by playwright-core,
// against `npm run dev` on a fresh embedded database, in light and dark mode.
import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hasBrowser, launchChromium } from "./chromium.ts";

describe.skipIf(!hasBrowser)("status page in a real browser", () => {
  const { baseUrl: base } = inject("outside");
  let browser: Browser;

  beforeAll(async () => {
    // A few probe rounds, so the bars and sparklines have data.
    for (let i = 0; i < 3; i++) await fetch(`${base}/__scheduled?cron=*+*+*+*+*`);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const scheme of ["light", "dark"] as const) {
    it(`shows the banner, components, uptime bars and maintenance (${scheme})`, async () => {
      const page = await browser.newPage({ colorScheme: scheme, viewport: { width: 1000, height: 1400 } });
      await page.goto(`${base}/`);
      await expect(page.getByRole("status").textContent()).resolves.toBe("All Systems Operational");
      for (const name of ["API", "Database", "Payments", "SMS", "Email", "Customer portal", "CRM"]) {
        expect(await page.locator("ul.components .name", { hasText: name }).count()).toBeGreaterThan(0);
      }
      const bars = page.locator("svg.bar[role=img]");
      expect(await bars.count()).toBe(7);
      expect(await bars.first().getAttribute("aria-label")).toMatch(/uptime over the last 90 days|no data/);
      // Today has data for the probed components (other outside tests may have added incidents).
      expect(await page.locator("svg.bar rect.c-ok").count()).toBeGreaterThanOrEqual(3);
      expect(await page.getByRole("heading", { name: "Scheduled maintenance" }).count()).toBe(1);
      expect(await page.locator("#upcoming ~ article h3, section[aria-labelledby=upcoming] h3").first().textContent()).toBe("Database upgrade");
      // Evaluated in the page (passed as text: this file is type-checked without the DOM library).
      const background = await page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
      expect(await page.evaluate<string>("getComputedStyle(document.body).fontFamily")).toContain("system-ui");
      expect(background).toBe(scheme === "dark" ? "rgb(13, 17, 23)" : "rgb(255, 255, 255)");
      expect(await page.locator("svg.spark[role=img]").count()).toBe(5);
      mkdirSync("test-results", { recursive: true });
      await page.screenshot({ path: `test-results/status-page-${scheme}.png`, fullPage: true });
      // Keyboard: the first Tab reaches the skip link.
      await page.keyboard.press("Tab");
      expect(await page.evaluate<string>("document.activeElement.textContent")).toBe("Skip to components");
      await page.close();
    });
  }
});
