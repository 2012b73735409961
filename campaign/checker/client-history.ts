import { readFileSync } from "node:fs";
import { type AnswerEntry, type CartViewEntry, type FaultEntry, type KillEntry, LogEntry, type RequestEntry } from "../log-schema.ts";

/** The client log, indexed: who each shopper is, each request with its answer, every cart view. */
export type ClientHistory = {
  scopes: Map<string, string>;
  requests: Map<number, RequestEntry>;
  answers: (AnswerEntry & { request: RequestEntry })[];
  cartViews: CartViewEntry[];
  faults: FaultEntry[];
  kills: KillEntry[];
  phases: Map<string, number>;
};

export function readClientLog(file: string): ClientHistory {
  const history: ClientHistory = { scopes: new Map(), requests: new Map(), answers: [], cartViews: [], faults: [], kills: [], phases: new Map() };
  const lines = readFileSync(file, "utf8").split("\n");
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    const parsed = LogEntry.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${file}:${index + 1}: not a client log entry: ${parsed.error.message}`);
    const entry = parsed.data;
    switch (entry.type) {
      case "identity": history.scopes.set(entry.shopper, entry.scope); break;
      case "request": history.requests.set(entry.id, entry); break;
      case "answer": {
        const request = history.requests.get(entry.id);
        if (!request) throw new Error(`${file}:${index + 1}: answer to unknown request ${entry.id}`);
        history.answers.push({ ...entry, request });
        break;
      }
      case "cart_view": history.cartViews.push(entry); break;
      case "fault": history.faults.push(entry); break;
      case "kill": history.kills.push(entry); break;
      case "phase": history.phases.set(entry.name, entry.t); break;
    }
  }
  return history;
}
