// The status page as a person sees it: Debian's Chromium, driven by playwright-core,
// against `npm run dev` on a fresh embedded database, in light and dark mode.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser) console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

describe.skipIf(!hasBrowser)("status page in a real browser", () => {
  const port = 18_000 + Math.floor(Math.random() * 2_000);
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), "phs-browser-"));
  let dev: ChildProcess;
  let browser: Browser;

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), PGLITE_DATA_DIR: dataDir };
    delete env.DATABASE_URL; // the embedded default, as a fresh clone runs it
    dev = spawn(process.execPath, ["scripts/dev.ts"], { env, stdio: "ignore", detached: true });
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (await fetch(`${base}/api/portal/status`).then((r) => r.ok, () => false)) break;
      if (Date.now() > deadline) throw new Error("npm run dev did not come up");
      await new Promise((r) => setTimeout(r, 500));
    }
    // A few probe rounds, so the bars and sparklines have data.
    for (let i = 0; i < 3; i++) await fetch(`${base}/__scheduled?cron=*+*+*+*+*`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dev?.pid) {
      try {
        process.kill(-dev.pid, "SIGINT");
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 1500));
      try {
        process.kill(-dev.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("puts no secret on the command line of any process it starts (ps shows those to every user)", () => {
    const commandLines = execFileSync("ps", ["-o", "args=", "-g", String(dev.pid)], { encoding: "utf8" });
    expect(commandLines).toContain("wrangler");
    for (const secret of ["dev-admin-token", "dev-client-token", "postgresql://", "sk_test_", "ADMIN_TOKENS", "DATABASE_URL", "PAGERDUTY_ROUTING_KEY"]) {
      expect(commandLines).not.toContain(secret);
    }
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
      expect(await page.locator("svg.bar rect.c-ok").count()).toBeGreaterThanOrEqual(5);
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
