"""The conditions the Better Auth rules depend on: the Better Auth version (installed, locked or declared), columns
Drizzle fills itself, additionalFields, and plugins drizzle-lsp has no description of."""

from __future__ import annotations

import json
import os

import pytest

from tests.rules.auth.auth_helpers import SCHEMA, auth_findings, copy_case, edit

ISSUER = ('    accountId: text("account_id").notNull(),\n',
          '    accountId: text("account_id").notNull(),\n    issuer: text("issuer").notNull(),\n')
PLAN = ('  image: text("image"),\n', '  image: text("image"),\n  plan: text("plan")PLAN,\n')


def _declare(root: str, version: str) -> None:
    edit(root, "package.json", '"better-auth": "1.7.25"', f'"better-auth": "{version}"')


def _install(root: str, version: str) -> None:
    folder = os.path.join(root, "node_modules", "better-auth")
    os.makedirs(folder)
    with open(os.path.join(folder, "package.json"), "w") as handle:
        json.dump({"name": "better-auth", "version": version}, handle)


@pytest.mark.parametrize("declared, installed, lock, flagged", [
    ("1.7.25", None, None, True),
    ("^1.7.0", None, None, True),  # a fresh install takes the newest 1.7.x
    ("^1.7.0", "1.7.2", None, False),  # node_modules says what runs
    ("^1.7.0", None, "1.7.1", False),  # so does the lockfile, when nothing is installed
    ("1.7.2", None, None, False),  # an exact pin below 1.7.3: Better Auth still writes the column
    ("<1.7.3", None, None, False),
])
def test_stale_issuer_depends_on_the_version_that_runs(tmp_path, declared, installed, lock, flagged):
    root = copy_case(tmp_path, "base")
    edit(root, SCHEMA, *ISSUER)
    _declare(root, declared)
    if installed:
        _install(root, installed)
    if lock:
        with open(os.path.join(root, "pnpm-lock.yaml"), "w") as handle:
            handle.write(f"lockfileVersion: '9.0'\npackages:\n  better-auth@{lock}:\n    resolution: {{}}\n")
    rules = [f.rule for f in auth_findings(root)]
    assert ("better-auth-stale-issuer" in rules) is flagged, rules
    assert "better-auth-required-column-never-written" not in rules  # issuer is the stale-issuer rule's


@pytest.mark.parametrize("modifiers, flagged", [
    (".notNull()", True),
    (".notNull().$defaultFn(() => \"free\")", False),
    (".$onUpdate(() => \"free\").notNull()", False),
    (".default(\"free\").notNull()", False),
    ("", False),
])
def test_an_extra_required_column_is_flagged_unless_something_fills_it(tmp_path, modifiers, flagged):
    root = copy_case(tmp_path, "base")
    edit(root, SCHEMA, PLAN[0], PLAN[1].replace("PLAN", modifiers))
    rules = [f.rule for f in auth_findings(root)]
    assert rules == (["better-auth-required-column-never-written"] if flagged else [])


def test_additional_fields_are_written_by_better_auth(tmp_path):
    root = copy_case(tmp_path, "base")
    edit(root, SCHEMA, PLAN[0], PLAN[1].replace("PLAN", ".notNull()"))
    edit(root, "auth.ts", "emailAndPassword", 'user: { additionalFields: { plan: { type: "string" } } },\n  emailAndPassword')
    assert auth_findings(root) == []


def test_extra_columns_are_not_judged_next_to_a_plugin_without_description(tmp_path):
    root = copy_case(tmp_path, "base")
    edit(root, SCHEMA, PLAN[0], PLAN[1].replace("PLAN", ".notNull()"))
    edit(root, "auth.ts", "emailAndPassword", "plugins: [stripe({ createCustomerOnSignUp: true })],\n  emailAndPassword")
    edit(root, "auth.ts", 'import { db } from "./db";', 'import { db } from "./db";\nimport { stripe } from "@better-auth/stripe";')
    assert auth_findings(root) == []  # the stripe plugin may write `plan`; Better Auth's optional fields still count
