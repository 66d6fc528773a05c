// What a subscriber receives, per channel: an email (subject, plain text and HTML, with a
// one-click unsubscribe as RFC 8058 describes), a webhook's JSON body, or a Slack message.
// Every message says what happened, what is affected and links to the status page.
import type { Subscriber } from "../db/schema.ts";
import type { Announcement, NotificationKind } from "./announce.ts";

export interface Site {
  title: string;
  /** The status page's origin (PUBLIC_URL). */
  url: string;
}

export interface Email {
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

const when = (iso: string) =>
  `${new Date(iso).toLocaleString("en-GB", { timeZone: "UTC", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" })} UTC`;
const span = (start: string, end: string) => `${when(start)} – ${when(end)}`;
const label = (value: string) => value.replaceAll("_", " ");

/** The subject and the lines of a notification, whatever the channel. */
export function describe(kind: NotificationKind, a: Announcement): { subject: string; lines: string[] } {
  if (a.type === "incident") {
    const affected = `Affected: ${a.componentName}`;
    const detail = a.message ? [a.message] : [];
    if (kind === "incident.opened")
      return { subject: `Incident: ${a.componentName} (${label(a.status)})`, lines: [...detail, affected, `Since ${when(a.startedAt)}`] };
    if (kind === "incident.resolved")
      return {
        subject: `Resolved: ${a.componentName}`,
        lines: ["The incident is resolved.", ...detail, affected, `Resolved ${when(a.resolvedAt ?? a.startedAt)}`],
      };
    return { subject: `Update: ${a.componentName} (${label(a.phase)})`, lines: [...detail, affected, `Status: ${label(a.status)}`] };
  }
  const affected = `Affected: ${a.componentNames.join(", ") || "none named"}`;
  const window = `When: ${span(a.scheduledStart, a.scheduledEnd)}`;
  const about = a.description ? [a.description] : [];
  const subjects: Record<string, string> = {
    "maintenance.scheduled": `Maintenance scheduled: ${a.title}, ${when(a.scheduledStart)}`,
    "maintenance.reminder": `Tomorrow: ${a.title}, ${when(a.scheduledStart)}`,
    "maintenance.started": `Maintenance started: ${a.title}`,
    "maintenance.completed": `Maintenance completed: ${a.title}`,
    "maintenance.cancelled": `Maintenance cancelled: ${a.title}`,
  };
  const opening: Record<string, string> = {
    "maintenance.scheduled": "Maintenance is scheduled.",
    "maintenance.reminder": "A reminder: maintenance starts within a day.",
    "maintenance.started": "Maintenance has started.",
    "maintenance.completed": "Maintenance is complete.",
    "maintenance.cancelled": "This maintenance is cancelled; nothing will be affected.",
  };
  return { subject: subjects[kind]!, lines: [opening[kind]!, ...about, affected, window] };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function emailFrom(
  site: Site,
  subject: string,
  lines: string[],
  links: { label: string; url: string }[],
  footer: string,
  headers: Record<string, string>,
): Email {
  const text = [...lines, "", ...links.map((l) => `${l.label}: ${l.url}`), "", footer].join("\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">
<h1 style="font-size:1.1rem">${escapeHtml(subject)}</h1>
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join("\n")}
<p>${links.map((l) => `<a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a>`).join(" · ")}</p>
<p style="color:#6b7280;font-size:.85rem">${escapeHtml(footer)}</p>
</body></html>`;
  return { subject: `[${site.title}] ${subject}`, text, html, headers };
}

export function notificationEmail(site: Site, kind: NotificationKind, a: Announcement, unsubscribeUrl: string): Email {
  const { subject, lines } = describe(kind, a);
  return emailFrom(
    site,
    subject,
    lines,
    [
      { label: "Status page", url: site.url },
      { label: "Unsubscribe", url: unsubscribeUrl },
    ],
    `You receive this because you subscribed to ${site.title}.`,
    // RFC 8058: mail clients offer one-click unsubscribe, POSTing List-Unsubscribe=One-Click.
    { "List-Unsubscribe": `<${unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
  );
}

export function confirmationEmail(site: Site, confirmUrl: string): Email {
  return emailFrom(
    site,
    "Confirm your subscription",
    [
      `Someone (we hope you) asked to be told about incidents and maintenance on ${site.title}.`,
      "Nothing is sent until you confirm: open the link and press the button. It works for 7 days.",
    ],
    [{ label: "Confirm", url: confirmUrl }],
    "If you did not ask for this, ignore this email: you will hear nothing more.",
    {},
  );
}

/** A webhook delivery's body (signed, see ./tokens.ts); POSTing unsubscribe_url stops them. */
export function webhookBody(site: Site, kind: NotificationKind, eventId: string, createdAt: Date, a: Announcement, unsubscribeUrl: string): string {
  const { subject, lines } = describe(kind, a);
  return JSON.stringify({
    id: eventId,
    type: kind,
    created_at: createdAt.toISOString(),
    page: site,
    summary: subject,
    lines,
    data: a,
    unsubscribe_url: unsubscribeUrl,
  });
}

/** The confirmation a webhook subscriber receives: the link to confirm, and its signing secret, shown this once. */
export function webhookConfirmationBody(site: Site, subscriber: Pick<Subscriber, "id">, confirmUrl: string, signingSecret: string, at: Date): string {
  return JSON.stringify({
    id: `confirm-${subscriber.id}`,
    type: "subscription.confirmation",
    created_at: at.toISOString(),
    page: site,
    // A receiver confirms by POSTing confirm_url (a person: open it, press the button).
    data: { confirm_url: confirmUrl, confirm_method: "POST", signing_secret: signingSecret },
  });
}

/** Slack reads &, < and > as markup (links, mentions): text from an incident must not be. */
const slackText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function slackBody(site: Site, kind: NotificationKind, a: Announcement, unsubscribeUrl: string): string {
  const { subject, lines } = describe(kind, a);
  const links = `<${site.url}|${slackText(site.title)}> · <${unsubscribeUrl}|unsubscribe>`;
  return JSON.stringify({ text: `*${slackText(subject)}*\n${lines.map(slackText).join("\n")}\n${links}` });
}

export function slackConfirmationBody(site: Site, confirmUrl: string): string {
  return JSON.stringify({
    text: `Confirm to have ${site.title} post incidents and maintenance here: <${confirmUrl}|open this link> and press Confirm. The link works for 7 days.`,
  });
}
