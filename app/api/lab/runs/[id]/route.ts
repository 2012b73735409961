import { scopeTimeline } from "@/lib/audit.ts";
import { devToolsEnabled } from "@/lib/dev-tools.ts";
import { jsonError } from "@/lib/http.ts";
import { findRun, publicRun } from "@/lib/lab/runs.ts";

/** GET /api/lab/runs/[id]: the run's narration and every audit step of its scope, for the lab's timeline. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  if (!devToolsEnabled()) return jsonError(404, "invalid_request_error", "Not found");
  const run = findRun((await params).id);
  if (!run) return jsonError(404, "invalid_request_error", "No such lab run (runs live in the server's memory)", "resource_missing");
  return Response.json({ run: publicRun(run), timeline: await scopeTimeline(run.scope) }, { headers: { "Cache-Control": "no-store" } });
}
