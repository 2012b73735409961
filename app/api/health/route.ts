import { db } from "@/lib/db.ts";

export async function GET() {
  try {
    await db.$queryRaw`SELECT 1`;
    return Response.json({ status: "ok" });
  } catch {
    return Response.json({ status: "unavailable", message: "The database is not reachable" }, { status: 503 });
  }
}
