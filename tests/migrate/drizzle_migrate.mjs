// Applies a migrations folder with drizzle-orm's own node-postgres migrator: the reference drizzle-lsp migrate is
// compared with. Modules come from the pinned fixture tooling (tests/fixtures/drizzle-kit), not from this folder.
//
// usage: node drizzle_migrate.mjs <folder holding the tooling's package.json> <database url> <migrations folder>
import { createRequire } from "node:module";
import path from "node:path";

const [tools, url, migrationsFolder] = process.argv.slice(2);
if (!tools || !url || !migrationsFolder) {
  console.error("usage: node drizzle_migrate.mjs <tools folder> <database url> <migrations folder>");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(tools), "package.json"));
const pg = require("pg");
const { drizzle } = require("drizzle-orm/node-postgres");
const { migrate } = require("drizzle-orm/node-postgres/migrator");

const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  await migrate(drizzle(client), { migrationsFolder });
} finally {
  await client.end();
}
