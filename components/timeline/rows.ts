import { describeEvent, type TimelineEvent } from "@/lib/audit-events.ts";

export type TimelineActor = "lab" | "shopper" | "shop" | "stripe" | "webhook" | "outbox" | "mailer" | "completer";
export type TimelineRow = { id: string; at: string; actor: TimelineActor; text: string; tone: "good" | "warn" | "bad" | "info"; kind: string };

export function auditRows(events: TimelineEvent[]): TimelineRow[] {
  return events.map((event) => ({ id: `audit-${event.id}`, at: event.at, kind: event.kind, ...describeEvent(event) }));
}

/** The lab runner's narration: what the shopper (or the network) did and what came back, and what the lab set up. */
export function runnerRows(steps: { at: string; actor: "shopper" | "lab"; text: string; tone: TimelineRow["tone"] }[]): TimelineRow[] {
  return steps.map((step, index) => ({ id: `step-${index}`, at: step.at, actor: step.actor, kind: step.actor === "shopper" ? "request" : "narration", text: step.text, tone: step.tone }));
}

/** Both sources in time order; a stable sort keeps each source's own order for equal times. */
export function mergeRows(...sources: TimelineRow[][]): TimelineRow[] {
  return sources.flat().sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
