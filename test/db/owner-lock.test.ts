import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "../../scripts/db/embedded.ts";

const folder = mkdtempSync(path.join(tmpdir(), "pglite-owner-"));
const dataDir = path.join(folder, "data");
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/**
 * A second process trying to open the same data folder, as a second `npm run dev` would. Run
 * asynchronously: the owner (this process) answers who it is on its lock, as a real owner does.
 */
function secondOwner(): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PGLITE_DATA_DIR: dataDir, PGLITE_PORT: "0", DATABASE_URL: "" };
    execFile(process.execPath, ["--import", "tsx", "scripts/db-server.ts"], { env, encoding: "utf8", timeout: 30_000 }, (error, _stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === "number" ? error.code : null) : 0, stderr }),
    );
  });
}

describe("the embedded database's single owner", () => {
  it("refuses a second process with a clear error and keeps the data intact", async () => {
    const owner = await startEmbeddedDatabase({ dataDir });
    const client = new pg.Client({ connectionString: owner.url });
    await client.connect();
    await client.query("CREATE TABLE kept (id int PRIMARY KEY)");
    await client.query("INSERT INTO kept SELECT generate_series(1, 100)");

    const second = await secondOwner();
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/already owned by process \d+/);

    const { rows } = await client.query("SELECT count(*)::int AS n, sum(id)::int AS s FROM kept");
    expect(rows[0]).toEqual({ n: 100, s: 5050 });
    await client.end();
    await owner.close();
  });

  it("lets a new owner in once the previous one has gone, with every committed row", async () => {
    const owner = await startEmbeddedDatabase({ dataDir });
    const client = new pg.Client({ connectionString: owner.url });
    await client.connect();
    const { rows } = await client.query("SELECT count(*)::int AS n FROM kept");
    expect(rows[0].n).toBe(100);
    await client.end();
    await owner.close();
  });
});
