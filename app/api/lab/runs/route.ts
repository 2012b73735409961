import { after } from "next/server";
import { z } from "zod";
import { devToolsEnabled } from "@/lib/dev-tools.ts";
import { jsonError, readJson } from "@/lib/http.ts";
import { SCENARIO_IDS } from "@/lib/lab/catalog.ts";
import { publicRun } from "@/lib/lab/runs.ts";
import { LabUnavailable, startLabRun } from "@/lib/lab/start.ts";

const body = z.strictObject({ scenario: z.enum(SCENARIO_IDS) });

/** POST /api/lab/runs: starts a scenario against this shop; the run goes on after the answer. */
export async function POST(request: Request) {
  if (!devToolsEnabled()) return jsonError(404, "invalid_request_error", "The lab is off in production; set DEMO_MODE=1 to open it");
  const json = await readJson(request, "api", 1024);
  if (!json.ok) return json.response;
  const parsed = body.safeParse(json.value);
  if (!parsed.success) return jsonError(400, "invalid_request_error", z.prettifyError(parsed.error), "invalid_body");
  try {
    const { run, done } = await startLabRun(parsed.data.scenario, new URL(request.url).origin);
    after(done);
    return Response.json({ run: publicRun(run) }, { status: 202 });
  } catch (error) {
    if (error instanceof LabUnavailable) return jsonError(409, "invalid_request_error", error.message, "lab_unavailable");
    throw error;
  }
}
