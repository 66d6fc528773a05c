// The feeds and the calendar read by the parsers feed readers and calendar apps use:
// rss-parser (RSS and Atom) and node-ical and ical.js (iCalendar), with a maintenance title
// full of characters that need escaping.
import ICAL from "ical.js";
import ical, { type VEvent } from "node-ical";
import Parser from "rss-parser";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const ADMIN = { authorization: "Bearer dev-admin-token", "content-type": "application/json" };
const HOUR = 3_600_000;
const TITLE = 'Upgrade: commas, semicolons; "quotes", a back\\slash, <tags> & 🚀 — with a long enough name to be folded across lines';
const DESCRIPTION = "Line one\rLine two\nLine three";

describe("feed readers and calendar apps", () => {
  const { baseUrl } = inject("outside");
  let windowId: string;

  beforeAll(async () => {
    const response = await fetch(`${baseUrl}/api/admin/maintenance`, {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({
        title: TITLE,
        description: DESCRIPTION,
        scheduledStart: new Date(Date.now() + 90 * HOUR).toISOString(),
        scheduledEnd: new Date(Date.now() + 92 * HOUR).toISOString(),
      }),
    });
    windowId = ((await response.json()) as { data: { id: string } }).data.id;
  });
  afterAll(async () => {
    await fetch(`${baseUrl}/api/admin/maintenance/${windowId}/cancel`, { method: "POST", headers: ADMIN });
  });

  it.each(["/feed.rss", "/feed.atom"])("%s parses with rss-parser, title and links intact", async (path) => {
    const feed = await new Parser().parseString(await (await fetch(`${baseUrl}${path}`)).text());
    expect(feed.title).toBe("Portal status");
    const item = feed.items.find((i) => i.title?.includes("Upgrade:"))!;
    expect(item.title).toBe(`[Maintenance] ${TITLE}`);
    expect(item.link).toBe(`${baseUrl}/#maintenance-${windowId}`);
  });

  it("the calendar parses with node-ical and ical.js, text exactly as written", async () => {
    const text = await (await fetch(`${baseUrl}/maintenance.ics`)).text();
    const events = Object.values(ical.sync.parseICS(text)).filter((e): e is VEvent => e?.type === "VEVENT");
    const event = events.find((e) => e.uid === `maintenance-${windowId}@${new URL(baseUrl).host}`)!;
    expect(String(event.summary)).toBe(`Maintenance: ${TITLE}`);
    expect(String(event.description)).toBe("Line one\nLine two\nLine three");
    const parsed = new ICAL.Component(ICAL.parse(text))
      .getAllSubcomponents("vevent")
      .map((v) => new ICAL.Event(v))
      .find((e) => e.uid === event.uid)!;
    expect(parsed.summary).toBe(`Maintenance: ${TITLE}`);
    expect(parsed.description).toBe("Line one\nLine two\nLine three");
    for (const line of text.split("\r\n")) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
  });
});
