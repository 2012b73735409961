import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import * as bindings from "@prisma/schema-engine-wasm/schema_engine_bg";

// Prisma's native schema engine is downloaded on first use, which this project cannot rely on
// (offline machines). The same engine ships as WebAssembly and drives the database through a
// driver adapter. Its package entry imports a .wasm file, which Node 20 cannot do, so we
// instantiate the module ourselves.
let initialised = false;
function initialise(): void {
  if (initialised) return;
  const require = createRequire(import.meta.url);
  const glue = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const wasmPath = path.join(path.dirname(glue), "schema_engine_bg.wasm");
  const wasmModule = new WebAssembly.Module(readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(wasmModule, { "./schema_engine_bg.js": bindings as unknown as WebAssembly.ModuleImports });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  initialised = true;
}

export type SchemaEngine = bindings.SchemaEngine;

/** `target` is a connection string (PostgreSQL, or the embedded server) or an adapter factory. */
export async function openSchemaEngine(target: string | SqlMigrationAwareDriverAdapterFactory, schema: string): Promise<SchemaEngine> {
  initialise();
  const factory = typeof target === "string" ? new PrismaPg({ connectionString: target }) : target;
  // The engine expects the error-capturing wrapper that Prisma's CLI puts around an adapter.
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const log = (message: string) => {
    if (process.env.DEBUG_SCHEMA_ENGINE) console.error(message);
  };
  return bindings.SchemaEngine.new({ datamodels: [["schema.prisma", schema]] }, log, adapter);
}
