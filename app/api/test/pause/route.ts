import { z } from "zod";
import { jsonError, readJson } from "@/lib/http.ts";
import { armPausePoint, disarmPausePoints, PAUSE_POINTS, pausePointState } from "@/lib/test-hooks.ts";
import { testEndpointsEnabled } from "@/lib/test-state.ts";

const body = z.strictObject({ point: z.enum(PAUSE_POINTS), ms: z.number().int().min(0).max(120_000) });

/** Arms a pause point on this instance, so a scenario can kill the process at that exact moment. */
export async function POST(request: Request) {
  if (!testEndpointsEnabled()) return jsonError(404, "invalid_request_error", "Not found");
  const json = await readJson(request);
  if (!json.ok) return json.response;
  const parsed = body.safeParse(json.value);
  if (!parsed.success) return jsonError(400, "invalid_request_error", z.prettifyError(parsed.error));
  armPausePoint(parsed.data.point, { ms: parsed.data.ms });
  return Response.json({ armed: parsed.data });
}

/** The points this instance knows, those armed, and the requests held at one right now. */
export async function GET() {
  if (!testEndpointsEnabled()) return jsonError(404, "invalid_request_error", "Not found");
  return Response.json(pausePointState(), { headers: { "Cache-Control": "no-store" } });
}

/** Disarms every point not reached yet. */
export async function DELETE() {
  if (!testEndpointsEnabled()) return jsonError(404, "invalid_request_error", "Not found");
  return Response.json({ disarmed: disarmPausePoints() });
}
