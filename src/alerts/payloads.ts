// What each channel receives: a generic JSON webhook, a Slack incoming-webhook message,
// and a PagerDuty Events API v2 event. The PagerDuty routing key is added at send time,
// so no secret is ever stored in the outbox.
import type { AlertRule } from "../db/schema.ts";
import { describeRule } from "./conditions.ts";

export type AlertEvent = "trigger" | "resolve";
export type Channel = "webhook" | "slack" | "pagerduty";

export interface AlertFacts {
  rule: Pick<AlertRule, "id" | "name" | "target" | "condition" | "thresholdMs" | "durationSeconds" | "severity">;
  event: AlertEvent;
  since: Date | null;
  at: Date;
  dedupKey: string;
}

export const SOURCE = "portal-health-status";

export function alertPayload(channel: Channel, facts: AlertFacts): Record<string, unknown> {
  const { rule, event } = facts;
  const summary = `${rule.name}: ${describeRule(rule)}`;
  if (channel === "pagerduty") {
    if (event === "resolve") return { event_action: "resolve", dedup_key: facts.dedupKey };
    return {
      event_action: "trigger",
      dedup_key: facts.dedupKey,
      payload: {
        summary,
        source: SOURCE,
        severity: rule.severity === "page" ? "critical" : "warning",
        component: rule.target,
        group: "portal",
        class: rule.condition,
        timestamp: facts.at.toISOString(),
        custom_details: { since: facts.since?.toISOString() ?? null, rule: rule.name },
      },
    };
  }
  if (channel === "slack") {
    const tag = rule.severity === "page" ? "PAGE" : "WARN";
    const text =
      event === "trigger"
        ? `:rotating_light: *[${tag}] ${rule.name}*: ${describeRule(rule)} (since ${facts.since?.toISOString() ?? facts.at.toISOString()})`
        : `:white_check_mark: *Resolved: ${rule.name}* at ${facts.at.toISOString()}`;
    return { text };
  }
  return {
    event: event === "trigger" ? "alert.triggered" : "alert.resolved",
    source: SOURCE,
    summary,
    alert: {
      id: rule.id,
      name: rule.name,
      severity: rule.severity,
      target: rule.target,
      condition: rule.condition,
      thresholdMs: rule.thresholdMs,
      durationSeconds: rule.durationSeconds,
    },
    since: facts.since?.toISOString() ?? null,
    at: facts.at.toISOString(),
    dedupKey: facts.dedupKey,
  };
}

/** A report (the weekly flag audit) as a message for the chat and webhook channels. */
export function reportPayload(channel: Exclude<Channel, "pagerduty">, title: string, lines: string[], data: unknown): Record<string, unknown> {
  if (channel === "slack") return { text: `*${title}*\n${lines.map((l) => `• ${l}`).join("\n")}` };
  return { event: "report", source: SOURCE, title, lines, data };
}
