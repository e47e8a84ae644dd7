"""Hand-made deviations from schemas Better Auth's generator wrote: each one gives exactly one Better Auth finding,
from the expected rule, at the expected place. Every case starts from a fixture that gives none
(test_generated_fixtures_are_clean), so the finding is the deviation's."""

from __future__ import annotations

import os

import pytest

from tests.rules.auth.auth_helpers import SCHEMA, auth_findings, copy_case, edit, flagged, read

SESSION_INDEX = '  (table) => [index("session_userId_idx").on(table.userId)],\n'
CASCADE = '.references(() => user.id, { onDelete: "cascade" })'

# (id, case, [(file, old, new, count)], rule, text the finding's range must cover, words its message must hold)
DEVIATIONS = [
    ("dropped-column", "base", [(SCHEMA, '  image: text("image"),\n', "", 1)],
     "better-auth-missing-column", '"user"', ['no column keyed `image`', 'The field "image" does not exist']),
    ("uuid-id-under-default-ids", "base",
     [(SCHEMA, 'id: text("id").primaryKey(),', 'id: uuid("id").defaultRandom().primaryKey(),', 1),
      (SCHEMA, "boolean, index }", "boolean, index, uuid }", 1)],
     "better-auth-column-type", 'uuid("id")', ["invalid input syntax for type uuid"]),
    ("email-not-unique", "base", [(SCHEMA, 'email: text("email").notNull().unique()', 'email: text("email").notNull()', 1)],
     "better-auth-constraint", 'email: text("email").notNull()', ["user.email is not unique"]),
    ("token-not-unique", "plugins", [(SCHEMA, 'token: text("token").notNull().unique()', 'token: text("token").notNull()', 1)],
     "better-auth-constraint", 'token: text("token").notNull()', ["session.token is not unique"]),
    ("missing-cascade", "base", [(SCHEMA, CASCADE, ".references(() => user.id)", 1)],
     "better-auth-constraint", ".references(() => user.id)", ["ON DELETE NO ACTION", "23503"]),
    ("plural-mismatch", "use-plural", [(SCHEMA, "users", "user", -1)],
     "better-auth-missing-table", '"user"', ["looks it up as `users`", "usePlural true"]),
    ("snake-case-key", "base", [(SCHEMA, "emailVerified: boolean(", "email_verified: boolean(", 1)],
     "better-auth-missing-column", 'email_verified: boolean("email_verified").default(false).notNull()',
     ["under the key `emailVerified`"]),
    ("missing-plugin-table", "plugins", [], "better-auth-missing-table", "",
     ["no table is exported as `twoFactor`", "the twoFactor plugin"]),
    ("stale-issuer", "base", [(SCHEMA, '    accountId: text("account_id").notNull(),\n',
                               '    accountId: text("account_id").notNull(),\n    issuer: text("issuer").notNull(),\n', 1)],
     "better-auth-stale-issuer", 'issuer: text("issuer").notNull()', ['null value in column "issuer"', "1.7.25"]),
    ("sqlite-date-without-mode", "sqlite",
     [(SCHEMA, 'expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull()',
       'expiresAt: integer("expires_at").notNull()', 1)],
     "better-auth-column-type", 'integer("expires_at")', ["mode 'timestamp_ms' or 'timestamp'"]),
    ("extra-required-column", "base", [(SCHEMA, '  image: text("image"),\n', '  image: text("image"),\n  plan: text("plan").notNull(),\n', 1)],
     "better-auth-required-column-never-written", 'plan: text("plan").notNull()',
     ["every sign-up fails", 'null value in column "plan" of relation "user"']),
    ("optional-field-made-required", "base", [(SCHEMA, 'image: text("image"),', 'image: text("image").notNull(),', 1)],
     "better-auth-required-column-never-written", 'image: text("image").notNull()', ["optional user.image"]),
    ("missing-index", "base", [(SCHEMA, SESSION_INDEX, "", 1)],
     "better-auth-constraint", "userId: text", ["session.userId has no index"]),
    ("field-renamed-through-fields", "renames", [(SCHEMA, "isEmailVerified: boolean(", "emailVerified: boolean(", 1)],
     "better-auth-missing-column", 'emailVerified: boolean("is_email_verified")', ["under the key `isEmailVerified`"]),
    ("model-name-mismatch", "renames", [(SCHEMA, "account_holder", "accountHolder", -1)],
     "better-auth-missing-table", '"accountHolder"', ['modelName "account_holder"', "looks it up as `account_holder`"]),
    ("boolean-stored-as-text", "base",
     [(SCHEMA, 'emailVerified: boolean("email_verified").default(false)', 'emailVerified: text("email_verified").default("false")', 1)],
     "better-auth-column-type", 'text("email_verified")', ['the string "false"']),
    ("serial-reference-as-text", "generate-id-serial", [(SCHEMA, 'userId: integer("user_id")', 'userId: text("user_id")', 1)],
     "better-auth-column-type", 'text("user_id")', ["is a number"]),
    ("uuid-reference-as-text", "generate-id-uuid", [(SCHEMA, 'userId: uuid("user_id")', 'userId: text("user_id")', 1)],
     "better-auth-column-type", 'text("user_id")', ["references a uuid id"]),
    ("mysql-email-not-unique", "mysql",
     [(SCHEMA, 'email: varchar("email", { length: 255 }).notNull().unique()', 'email: varchar("email", { length: 255 }).notNull()', 1)],
     "better-auth-constraint", 'email: varchar("email", { length: 255 }).notNull()', ["user.email is not unique"]),
    ("organization-slug-not-unique", "plugins", [(SCHEMA, 'slug: text("slug").notNull().unique()', 'slug: text("slug").notNull()', 1)],
     "better-auth-constraint", 'slug: text("slug").notNull()', ["organization.slug is not unique"]),
]


def _apply(root: str, deviation_id: str, edits) -> None:
    for name, old, new, count in edits:
        edit(root, name, old, new, count)
    if deviation_id == "missing-plugin-table":
        text = read(os.path.join(root, SCHEMA))
        start = text.index("export const twoFactor = pgTable(")
        end = text.index("export const organization")
        edit(root, SCHEMA, text[start:end], "")


@pytest.mark.parametrize("deviation", DEVIATIONS, ids=lambda d: d[0])
def test_deviation_gives_exactly_the_expected_finding(tmp_path, deviation):
    deviation_id, case, edits, rule, where, words = deviation
    root = copy_case(tmp_path, case)
    _apply(root, deviation_id, edits)
    findings = auth_findings(root)
    assert [f.rule for f in findings] == [rule], [(f.rule, f.message) for f in findings]
    finding = findings[0]
    assert finding.range is not None and finding.range.path.endswith(SCHEMA)
    if where:
        assert where in flagged(finding), (flagged(finding), finding.message)
    else:  # a missing table is reported at the top of the schema file holding the auth tables
        assert (finding.range.start, finding.range.end) == (0, 0)
    for word in words:
        assert word in finding.message, finding.message


def test_a_reference_without_foreign_key(tmp_path):
    root = copy_case(tmp_path, "base")
    text = read(os.path.join(root, SCHEMA))
    account = text.index("export const account")
    reference = text.index(CASCADE, account)
    edit(root, SCHEMA, text, text[:reference] + text[reference + len(CASCADE):])
    findings = auth_findings(root)
    assert [f.rule for f in findings] == ["better-auth-constraint"], [f.message for f in findings]
    assert "account.userId has no foreign key to user.id" in findings[0].message
    assert 'userId: text("user_id")' in flagged(findings[0])


def test_at_least_fifteen_deviations():
    assert len(DEVIATIONS) + 1 >= 15  # the table above, and the reference without a foreign key


def test_a_missing_index_on_a_foreign_key_is_reported_once(tmp_path):
    # better-auth-constraint names the index as Better Auth's generator does; foreign-key-without-index would report
    # the same missing index a second time with another name.
    from drizzle_lsp.rules.testing import lint_project

    root = copy_case(tmp_path, "base")
    edit(root, SCHEMA, SESSION_INDEX, "")
    both = ["better-auth-constraint", "foreign-key-without-index"]
    findings = [f for f in lint_project(root, select=both) if f.rule in both]
    assert [(f.rule, f.message.split(":")[0]) for f in findings] == [
        ("better-auth-constraint", "session.userId has no index")]
    # With the Better Auth finding turned off, the generic one speaks.
    generic = [f.rule for f in lint_project(root, select=["foreign-key-without-index"]) if f.rule in both]
    assert generic == ["foreign-key-without-index"]
    # Silencing the Better Auth finding brings the generic one back: suppressions apply first.
    path = os.path.join(root, SCHEMA)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("// drizzle-lsp-ignore-file better-auth-constraint\n")
    assert [f.rule for f in lint_project(root, select=both) if f.rule in both] == ["foreign-key-without-index"]
