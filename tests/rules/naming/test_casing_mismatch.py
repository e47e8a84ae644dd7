"""casing-mismatch: TypeScript keys and database names against drizzle's casing, and kit vs runtime casing."""

from __future__ import annotations

from naming_helpers import fixed, fixture_project, flagged, lint, only, project, read

RULE = "casing-mismatch"

SNAKE_CONFIG = '''import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  out: "./drizzle",
  casing: "snake_case",
});
'''
SCHEMA = '''import { pgTable, integer, text, timestamp } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: integer().primaryKey().generatedAlwaysAsIdentity(),
  firstName: text(),
  email: text().notNull(),
});
'''


def _db(source: str) -> dict[str, str]:
    return {"src/db.ts": source}


# --- drizzle.config.ts against drizzle() ------------------------------------------------------------------------------

def test_runtime_call_without_the_config_casing(tmp_path):
    db = '''import { drizzle } from "drizzle-orm/node-postgres";
import * as schema from "./schema";

export const db = drizzle(process.env.DATABASE_URL!, { schema });
'''
    root = project(tmp_path, SCHEMA, config=SNAKE_CONFIG, files=_db(db))
    finding = lint(root, RULE)[0]
    assert finding.severity == "error"
    assert finding.message == (
        'drizzle.config.ts sets casing: "snake_case" but this drizzle() call sets no casing: column '
        '"users"."first_name" is created as "first_name" and queried as "firstName", so queries on it fail'
    )
    assert finding.range.path.endswith("db.ts") and flagged(finding) == "drizzle(process.env.DATABASE_URL!, { schema })"
    assert finding.related and flagged_text(finding.related[0][0]) == '"snake_case"'
    assert finding.fix.applicability == "unsafe"
    assert fixed(finding) == db.replace("{ schema }", '{ schema, casing: "snake_case" }')


def flagged_text(rng) -> str:
    return read(rng.path)[rng.start:rng.end]


def test_runtime_call_forms(tmp_path):
    db = '''import { drizzle as connect } from 'drizzle-orm/postgres-js';
import { drizzle } from 'drizzle-orm/neon-http';

export const a = connect(process.env.DATABASE_URL!);
export const b = drizzle({ connection: process.env.DATABASE_URL!, casing: 'camelCase' });
export const c = drizzle({
  connection: process.env.DATABASE_URL!,
  casing: 'snake_case',
});
'''
    root = project(tmp_path, SCHEMA, config=SNAKE_CONFIG, files=_db(db))
    findings = lint(root, RULE)
    assert len(findings) == 2  # `c` agrees with the config
    plain = only(findings, "sets no casing")
    assert fixed(plain) == db.replace("connect(process.env.DATABASE_URL!)",
                                      "connect(process.env.DATABASE_URL!, { casing: 'snake_case' })")
    camel = only(findings, 'sets casing: "camelCase"')
    assert flagged(camel) == "casing: 'camelCase'"
    assert fixed(camel) == db.replace("casing: 'camelCase'", "casing: 'snake_case'")


def test_runtime_casing_without_config_casing_is_removed(tmp_path):
    db = '''import { drizzle } from "drizzle-orm/node-postgres";

export const db = drizzle({
  connection: process.env.DATABASE_URL!,
  casing: "snake_case",
});
'''
    finding = lint(project(tmp_path, SCHEMA, files=_db(db)), RULE)[0]
    assert finding.message.startswith('drizzle.config.ts sets no casing but this drizzle() call sets casing: "snake_case"')
    assert '"users"."firstName" is created as "firstName" and queried as "first_name"' in finding.message
    assert fixed(finding) == db.replace('  casing: "snake_case",\n', "")


def test_casings_that_name_every_column_alike_are_not_flagged(tmp_path):
    schema = SCHEMA.replace("firstName: text(),", 'firstName: text("first_name"),')
    db = 'import { drizzle } from "drizzle-orm/node-postgres";\nexport const db = drizzle(process.env.URL!);\n'
    assert lint(project(tmp_path, schema, config=SNAKE_CONFIG, files=_db(db)), RULE) == []


def test_dependencies_and_unrelated_calls_are_not_read(tmp_path):
    db = 'import { drizzle } from "./my-wrapper";\nexport const db = drizzle(process.env.URL!);\n'
    vendored = 'import { drizzle } from "drizzle-orm/node-postgres";\nexport const db = drizzle("x");\n'
    root = project(tmp_path, SCHEMA, config=SNAKE_CONFIG,
                   files={"src/db.ts": db, "node_modules/pkg/index.ts": vendored, "dist/db.js": vendored})
    assert lint(root, RULE) == []


# --- keys against names -----------------------------------------------------------------------------------------------

def test_explicit_name_that_respells_the_key(tmp_path):
    schema = SCHEMA.replace("firstName: text(),", 'firstName: text("firstName"),\n  createdAt: timestamp("inserted"),')
    finding = only(lint(project(tmp_path, schema, config=SNAKE_CONFIG), RULE), '"firstName"')
    assert finding.message == (
        'column "users"."firstName" is named "firstName" explicitly, which bypasses casing: "snake_case" in '
        'drizzle.config.ts (the key alone gives "first_name")'
    )
    assert flagged(finding) == '"firstName"'
    assert fixed(finding) == schema.replace('text("firstName")', "text()")
    assert finding.fix.applicability == "suggestion"


def test_hand_mapped_majority_without_casing(tmp_path):
    schema = '''import { pgTable, integer, text, timestamp } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: integer().primaryKey(),
  firstName: text(),
  lastName: text("last_name"),
  displayName: text("display_name"),
  createdAt: timestamp("created_at"),
});
'''
    findings = lint(project(tmp_path, schema), RULE)
    assert len(findings) == 1
    assert findings[0].message == (
        'column "users"."firstName" takes its database name from its camelCase key while 3 of 4 camelCase keys are '
        "mapped to snake_case names by hand, and drizzle.config.ts sets no casing"
    )
    assert fixed(findings[0]) == schema.replace("firstName: text(),", 'firstName: text("first_name"),')
    # under a camelCase convention the hand-mapped names are the odd ones: naming-convention says so, not this rule
    camel = project(tmp_path / "camel", schema, settings='[naming]\nconvention = "camelCase"\n')
    assert lint(camel, RULE) == []


def test_real_drizzle_kit_schema_reports_the_forgotten_names_once(tmp_path):
    findings = lint(fixture_project(tmp_path, "keys-and-names", migrations=1), RULE)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.message.startswith('2 columns take their database names from camelCase keys ("auditEntry"."orderId", '
                                      '"auditEntry"."loggedAt") while 3 of 5 camelCase keys')
    assert len(finding.fix.edits) == 2
    text = fixed(finding)
    assert 'orderId: integer("orderId"' not in text and 'orderId: integer("order_id").references' in text
    assert 'loggedAt: timestamp("logged_at", { withTimezone: true })' in text


def test_a_consistent_schema_is_clean(tmp_path):
    schema = SCHEMA.replace("firstName: text(),", 'firstName: text("first_name"),')
    assert lint(project(tmp_path, schema), RULE) == []
    assert lint(project(tmp_path / "snake", SCHEMA, config=SNAKE_CONFIG), RULE) == []
