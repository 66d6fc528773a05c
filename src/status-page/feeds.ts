// Incidents and maintenance as RSS 2.0 and Atom 1.0 feeds, and upcoming windows as an
// iCalendar feed that calendar apps subscribe to.
import type { IncidentEntry, MaintenanceEntry } from "./page-data.ts";
import type { PageInfo } from "./statuspage-v2.ts";

interface FeedItem {
  id: string;
  title: string;
  link: string;
  updated: Date;
  published: Date;
  text: string;
}

// XML 1.0 text: markup escaped; characters XML cannot carry at all (C0 controls but tab
// and line breaks, U+FFFE/U+FFFF, lone surrogates) dropped.
const xml = (text: string) =>
  text
    .replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch]!)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "");

const PHASE = { investigating: "Investigating", identified: "Identified", monitoring: "Monitoring", resolved: "Resolved" } as const;

export function feedItems(info: PageInfo, incidents: IncidentEntry[], windows: MaintenanceEntry[]): FeedItem[] {
  const items: FeedItem[] = [
    ...incidents.map((i) => ({
      id: `incident-${i.id}`,
      title: `${i.resolvedAt ? "[Resolved] " : i.phase !== "investigating" ? `[${PHASE[i.phase]}] ` : ""}${i.message ?? `${i.component} ${i.status}`}`,
      link: `${info.url}/#incident-${i.id}`,
      published: i.startedAt,
      updated: i.updates.at(-1)?.at ?? i.startedAt,
      text: [...i.updates]
        .reverse()
        .map((u) => `${u.at.toISOString()} — ${PHASE[u.phase]}: ${u.message ?? ""}`)
        .join("\n"),
    })),
    ...windows.map((w) => ({
      id: `maintenance-${w.id}`,
      title: `[Maintenance${w.status === "completed" ? ", completed" : w.status === "in_progress" ? ", in progress" : ""}] ${w.title}`,
      link: `${info.url}/#maintenance-${w.id}`,
      published: w.createdAt,
      updated: w.actualEnd ?? w.actualStart ?? w.createdAt,
      text: `${w.scheduledStart.toISOString()} to ${w.scheduledEnd.toISOString()}${w.description ? `\n${w.description}` : ""}`,
    })),
  ];
  return items.sort((a, b) => b.updated.getTime() - a.updated.getTime()).slice(0, 50);
}

export function rssFeed(info: PageInfo, items: FeedItem[], now: Date): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${xml(info.name)}</title>
<link>${xml(info.url)}/</link>
<description>Incidents and maintenance for ${xml(info.name)}</description>
<language>en</language>
<lastBuildDate>${now.toUTCString()}</lastBuildDate>
<atom:link href="${xml(info.url)}/feed.rss" rel="self" type="application/rss+xml"/>
${items
  .map(
    (item) => `<item>
<title>${xml(item.title)}</title>
<link>${xml(item.link)}</link>
<guid isPermaLink="false">${xml(item.id)}</guid>
<pubDate>${item.updated.toUTCString()}</pubDate>
<description>${xml(item.text)}</description>
</item>`,
  )
  .join("\n")}
</channel>
</rss>
`;
}

export function atomFeed(info: PageInfo, items: FeedItem[], now: Date): string {
  const updated = items[0]?.updated ?? now;
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>${xml(info.name)}</title>
<id>${xml(info.url)}/</id>
<link href="${xml(info.url)}/"/>
<link rel="self" href="${xml(info.url)}/feed.atom"/>
<updated>${updated.toISOString()}</updated>
<author><name>${xml(info.name)}</name></author>
${items
  .map(
    (item) => `<entry>
<title>${xml(item.title)}</title>
<id>${xml(info.url)}/${xml(item.id)}</id>
<link href="${xml(item.link)}"/>
<published>${item.published.toISOString()}</published>
<updated>${item.updated.toISOString()}</updated>
<content type="text">${xml(item.text)}</content>
</entry>`,
  )
  .join("\n")}
</feed>
`;
}

// RFC 5545 TEXT: backslash, semicolon and comma escaped; every line break (CRLF, LF or a
// bare CR) as \n; other control characters (TEXT allows only HTAB) dropped. Lines are
// folded at 75 octets and end in CRLF.
const icsText = (text: string) =>
  text
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\r\n|\r|\n/g, "\\n")
    .replace(/[\u0000-\u0008\u000A-\u001F\u007F]/g, "");
const icsTime = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

function fold(line: string): string {
  const bytes = new TextEncoder().encode(line);
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let current = "";
  let size = 0;
  for (const ch of line) {
    const n = new TextEncoder().encode(ch).length;
    if (size + n > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = "";
      size = 0;
    }
    current += ch;
    size += n;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

export function maintenanceCalendar(info: PageInfo, windows: MaintenanceEntry[], now: Date): string {
  const host = new URL(info.url).host;
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    `PRODID:-//portal-health-status//${icsText(info.name)}//EN`,
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `X-WR-CALNAME:${icsText(`${info.name} maintenance`)}`,
    "X-PUBLISHED-TTL:PT1H",
    ...windows.flatMap((w) => [
      "BEGIN:VEVENT",
      `UID:maintenance-${w.id}@${host}`,
      `DTSTAMP:${icsTime(now)}`,
      `DTSTART:${icsTime(w.scheduledStart)}`,
      `DTEND:${icsTime(w.scheduledEnd)}`,
      `SUMMARY:${icsText(`Maintenance: ${w.title}`)}`,
      ...(w.description ? [`DESCRIPTION:${icsText(w.description)}`] : []),
      "STATUS:CONFIRMED",
      `URL:${info.url}/#maintenance-${w.id}`,
      "TRANSP:OPAQUE",
      "END:VEVENT",
    ]),
    "END:VCALENDAR",
  ];
  return `${lines.map(fold).join("\r\n")}\r\n`;
}
