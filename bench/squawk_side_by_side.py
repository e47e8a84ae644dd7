"""squawk-cli and drizzle-lsp on the same PostgreSQL migrations, rule by rule, statement by statement.

Run from the repository root with the venv active:  python bench/squawk_side_by_side.py
Writes bench/results/squawk-side-by-side.md and prints it.

Inputs: every migration of the pg cases of tests/fixtures/corpus, the pg folders of tests/replay/fixtures (copied into
a temporary project, since they have no drizzle.config.ts), examples/saas, and bench/fixtures/squawk-cases (small
hand-written projects whose 0000 creates the tables, so that 0001 acts on existing tables).

Each tool runs once over everything. A finding is placed in the statement that contains its start position; two
findings agree when they fall in the same file and statement, belong to the same concept (a group of equivalent
rules, CONCEPTS below), and, for column-level concepts (types), on the same line: drizzle-kit writes one column per
line, so the line tells the column.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, drizzle_lsp_command, md_table, squawk_binary, tool_versions, write_result  # noqa: E402
from drizzle_lsp.sql.splitter import code_start, split_chunks, split_statements  # noqa: E402

# squawk is told the two facts drizzle-lsp infers by itself for these projects: every migration runs inside the
# migrator's transaction, and the server is PostgreSQL 16 (drizzle-lsp's default).
SQUAWK_OPTIONS = ["--assume-in-transaction", "--pg-version=16"]


@dataclass(frozen=True)
class Concept:
    name: str
    squawk: tuple[str, ...]
    ours: tuple[str, ...]
    # Where two findings must fall to agree: "statement"; "line" for column-level rules (types), since drizzle-kit
    # writes one column per line; "file" for the timeout rules, which both tools report once per file, each at the
    # statement it considers the first that needs it.
    scope: str = "statement"


CONCEPTS = (
    Concept("index build blocks writes", ("require-concurrent-index-creation",), ("require-concurrent-index",)),
    Concept("index drop blocks reads and writes", ("require-concurrent-index-deletion",),
            ("require-concurrent-index-drop",)),
    Concept("constraint validated under lock", ("constraint-missing-not-valid", "adding-foreign-key-constraint"),
            ("constraint-missing-not-valid",)),
    Concept("unique / primary key builds an index under lock",
            ("disallowed-unique-constraint", "adding-serial-primary-key-field"), ("unique-constraint-builds-index",)),
    Concept("SET NOT NULL scans the table", ("adding-not-nullable-field",), ("set-not-null-scans-table",)),
    Concept("ADD COLUMN NOT NULL without default", ("adding-required-field",),
            ("add-column-not-null-without-default",)),
    Concept("ADD COLUMN rewrites the table", ("adding-field-with-default",), ("add-column-rewrites-table",)),
    Concept("column type change", ("changing-column-type",),
            ("alter-column-type-rewrites-table", "alter-column-type-without-using")),
    Concept("timestamp without time zone", ("prefer-timestamp-tz", "prefer-timestamptz"), ("prefer-timestamptz",),
            scope="line"),
    Concept("serial instead of identity", ("prefer-identity",), ("prefer-identity",), scope="line"),
    Concept("32/16-bit integers", ("prefer-bigint-over-int", "prefer-bigint-over-smallint"),
            ("prefer-bigint-primary-key",), scope="line"),
    Concept("varchar(n) / char(n)", ("prefer-text-field", "ban-char-field"), ("prefer-text",), scope="line"),
    Concept("drop column", ("ban-drop-column",), ("drop-column",)),
    Concept("drop table", ("ban-drop-table",), ("drop-table",)),
    Concept("drop default breaks inserts", ("ban-drop-default",), ("drop-default",)),
    Concept("identity made ALWAYS breaks inserts", ("ban-alter-identity",), ("identity-always-breaks-inserts",)),
    Concept("drop type", ("ban-drop-type",), ("drop-type", "enum-recreated")),
    Concept("truncate", ("ban-truncate-cascade",), ("truncate",)),
    Concept("rename column", ("renaming-column",), ("rename-column",)),
    Concept("rename table", ("renaming-table",), ("rename-table",)),
    Concept("no lock_timeout", ("require-lock-timeout", "require-timeout-settings"), ("require-lock-timeout",),
            scope="file"),
    Concept("transaction control in a migration", ("transaction-nesting", "ban-uncommitted-transaction"),
            ("transaction-control-in-migration",)),
    Concept("CONCURRENTLY inside a transaction", ("ban-concurrent-index-creation-in-transaction",),
            ("concurrent-index-in-transaction",)),
    Concept("blocking rewrite / reindex", ("require-concurrent-reindex", "prefer-repack"), ("table-rewrite",)),
    Concept("identifier over 63 bytes", ("identifier-too-long",), ("identifier-too-long",), scope="line"),
)
SQUAWK_TO_CONCEPT = {rule: c for c in CONCEPTS for rule in c.squawk}
OURS_TO_CONCEPT = {rule: c for c in CONCEPTS for rule in c.ours}

# squawk rules with no drizzle-lsp equivalent, and why (the same text goes to bench/README.md).
SQUAWK_ONLY_RULES = {
    "prefer-robust-stmts": "wants `IF [NOT] EXISTS` (or a transaction) so a half-applied migration can be re-run. "
    "drizzle-kit never emits `IF NOT EXISTS`, and drizzle's migrators run pending files in one transaction and record "
    "each applied file in `__drizzle_migrations`, so a file is never re-run half-way. The one migrator without a "
    "transaction (neon-http) is covered by `neon-http-migrations-not-atomic`, on the project rather than on every "
    "statement.",
    "require-statement-timeout": "a `statement_timeout` in a migration aborts legitimate long work (a backfill, a "
    "concurrent index build) and does not stop the queueing that takes a site down; `lock_timeout` does, and "
    "`require-lock-timeout` asks for it. Not in the catalogue by design.",
    "ban-drop-not-null": "`DROP NOT NULL` relaxes a constraint: it takes a brief lock, scans nothing, and is the first "
    "step of the safe expand/contract recipe drizzle-lsp itself recommends; flagging it would flag our own fix.",
    "ban-drop-constraint": "dropping a constraint only relaxes the schema; drizzle-kit drops and re-adds constraints "
    "to change an FK action or a CHECK, and the re-add is what drizzle-lsp flags (`constraint-missing-not-valid`).",
    "require-enum-value-ordering": "asks for `BEFORE`/`AFTER` on `ALTER TYPE … ADD VALUE` (a style preference about "
    "enum order); adding a value is not dangerous by itself. What fails is using the new value in the same "
    "transaction: `enum-value-used-in-same-transaction`.",
    "ban-drop-view": "views are derived objects that drizzle-kit drops and re-creates when their definition changes; "
    "no data is lost. Not in the catalogue.",
    "ban-drop-sequence": "sequences dropped by drizzle-kit are ones the schema no longer declares; not in the catalogue.",
    "ban-drop-function": "drizzle-kit does not manage functions; not in the catalogue.",
    "ban-drop-schema": "not in the catalogue (drizzle-kit drops a pgSchema only when it was removed from the code).",
    "ban-drop-database": "drizzle-kit never emits it; not in the catalogue.",
    "ban-drop-policy": "RLS policies are re-created by drizzle-kit when they change; not in the catalogue.",
    "ban-create-policy": "opt-in in squawk; not in the catalogue.",
    "ban-alter-row-level-security": "opt-in in squawk; not in the catalogue.",
}

# drizzle-lsp rules with no squawk equivalent: reported as such, never as disagreements.
OURS_ONLY_NOTE = "no squawk equivalent (squawk lints one file at a time and knows nothing about Drizzle)"


@dataclass
class Statement:
    index: int
    start: int
    end: int
    line: int  # 1-based, first line of code
    text: str


@dataclass(frozen=True)
class Finding:
    tool: str  # "squawk" or "drizzle-lsp"
    rule: str
    file: str  # display path, repo-relative
    line: int  # 1-based
    statement: int
    message: str


@dataclass
class MigrationFile:
    display: str
    path: str  # where both tools read it (a temporary copy for the replay fixtures)
    text: str
    statements: list[Statement]
    project: str


# --- inputs -------------------------------------------------------------------------------------------------------

def _is_pg(config: Path) -> bool:
    return bool(re.search(r"dialect:\s*['\"]postgresql['\"]", config.read_text()))


def _migration_files(project: Path) -> list[Path]:
    out = project / "drizzle"
    return sorted(p for p in out.rglob("*.sql") if "meta" not in p.parts)


def collect_projects(tmp: Path) -> list[tuple[Path, str]]:
    """(folder both tools read, its display path) for every pg project."""
    projects: list[tuple[Path, str]] = []
    for case in sorted((REPO / "tests/fixtures/corpus").iterdir()):
        if (case / "drizzle.config.ts").exists() and _is_pg(case / "drizzle.config.ts"):
            projects.append((case, str(case.relative_to(REPO))))
    for fixture in sorted((REPO / "tests/replay/fixtures").iterdir()):
        journal = fixture / "meta" / "_journal.json"
        if not journal.exists() or json.loads(journal.read_text()).get("dialect") != "postgresql":
            continue
        # These fixtures are bare migration folders: give them the project around them that the checker expects.
        copy = tmp / fixture.name
        shutil.copytree(fixture, copy / "drizzle", ignore=shutil.ignore_patterns("*.txt"))
        (copy / "drizzle.config.ts").write_text(
            "import { defineConfig } from 'drizzle-kit';\n\n"
            "export default defineConfig({ dialect: 'postgresql', out: './drizzle' });\n")
        projects.append((copy, str(fixture.relative_to(REPO))))
    projects.append((REPO / "examples/saas", "examples/saas"))
    for case in sorted((REPO / "bench/fixtures/squawk-cases").iterdir()):
        if (case / "drizzle.config.ts").exists():
            projects.append((case, str(case.relative_to(REPO))))
    return projects


def split(text: str) -> list[Statement]:
    statements: list[Statement] = []
    for lo, hi in split_chunks(text):
        for start, end in split_statements(text, lo, hi, "postgresql"):
            begin = code_start(text, start, end)
            if begin >= end:
                continue  # blank or comment only
            statements.append(Statement(len(statements), begin, end, text.count("\n", 0, begin) + 1,
                                        text[begin:end].strip()))
    return statements


def load_files(projects: list[tuple[Path, str]]) -> dict[str, MigrationFile]:
    files: dict[str, MigrationFile] = {}
    for folder, display in projects:
        for sql in _migration_files(folder):
            if display.startswith("tests/replay"):
                shown = display + "/" + sql.name  # the fixture's own layout, without the copy's drizzle/
            else:
                shown = display + "/" + str(sql.relative_to(folder)).replace(os.sep, "/")
            text = sql.read_text()
            files[os.path.realpath(sql)] = MigrationFile(shown, str(sql), text, split(text), display)
    return files


# --- running the tools --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SchemaFinding:
    """A drizzle-lsp finding in a TypeScript schema file, tied to the column it names."""
    rule: str
    file: str
    line: int
    project: str
    table: str
    column: str


_COLUMN_IN_MESSAGE = re.compile(r'column ((?:"[^"]+"\.)+)"([^"]+)"')


def _offset(text: str, line: int, column: int) -> int:
    """Character offset of a 1-based line and 0-based column, clamped to the line."""
    pos = 0
    for _ in range(line - 1):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
    eol = text.find("\n", pos)
    eol = len(text) if eol < 0 else eol
    return min(pos + column, eol)


def _statement_at(file: MigrationFile, offset: int) -> int:
    for st in file.statements:
        if offset < st.end:
            return st.index  # a position in the gap before a statement belongs to it
    return file.statements[-1].index if file.statements else 0


def run_squawk(files: dict[str, MigrationFile]) -> list[Finding]:
    paths = [f.path for f in files.values()]
    proc = subprocess.run([squawk_binary(), "--reporter", "json", *SQUAWK_OPTIONS, *paths],
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        sys.exit(f"squawk failed ({proc.returncode}): {proc.stderr[:2000]}")
    findings = []
    for item in json.loads(proc.stdout):
        file = files[os.path.realpath(item["file"])]
        line = item["line"] + 1  # squawk's json positions are 0-based
        at = _offset(file.text, line, item["column"])
        findings.append(Finding("squawk", item["rule_name"], file.display, line, _statement_at(file, at),
                                item["message"]))
    return findings


def run_drizzle_lsp(files: dict[str, MigrationFile], projects: list[tuple[Path, str]]
                    ) -> tuple[list[Finding], list[SchemaFinding]]:
    proc = subprocess.run(drizzle_lsp_command() + ["check", "--format", "json", *(str(p) for p, _ in projects)],
                          capture_output=True, text=True, cwd=REPO)
    if proc.returncode not in (0, 1):
        sys.exit(f"drizzle-lsp check failed ({proc.returncode}): {proc.stderr[:2000]}")
    roots = [(os.path.realpath(folder) + os.sep, display) for folder, display in projects]
    findings, schema = [], []
    for item in json.loads(proc.stdout)["findings"]:
        path = os.path.realpath(os.path.join(REPO, item["file"]))
        line = item["location"]["line"]
        file = files.get(path)
        if file is not None:
            at = _offset(file.text, line, item["location"]["column"] - 1)
            findings.append(Finding("drizzle-lsp", item["rule"], file.display, line, _statement_at(file, at),
                                    item["message"]))
            continue
        # The type rules report a column the TypeScript schema declares there, where the fix belongs, and not in
        # the SQL generated from it: keep those to match squawk's SQL findings by table and column.
        m = _COLUMN_IN_MESSAGE.search(item["message"])
        project = next((d for root, d in roots if path.startswith(root)), None)
        if m and project and path.endswith((".ts", ".mts", ".cts", ".js", ".mjs")):
            table = re.findall(r'"([^"]+)"', m.group(1))[-1]
            schema.append(SchemaFinding(item["rule"], os.path.relpath(path, REPO), line, project, table, m.group(2)))
    return findings, schema


# --- why squawk flags what we do not --------------------------------------------------------------------------------

_NAME = r'(?:"?\w+"?\.)?"?([^"\s(;]+)"?'
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?" + _NAME, re.I)
_ALTER_TABLE = re.compile(r"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?" + _NAME, re.I)
_CREATE_INDEX = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?.*?\bON\s+(?:ONLY\s+)?" + _NAME,
                           re.I | re.S)
_INDEX_NAME = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?" + _NAME,
                         re.I)
_DROP_INDEX = re.compile(r"^\s*DROP\s+INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?" + _NAME, re.I)
_REFERENCES = re.compile(r"\bREFERENCES\s+" + _NAME, re.I)
_KEY_COLUMN = re.compile(r"PRIMARY\s+KEY|REFERENCES", re.I)
_SAFE_TYPE_CHANGE = re.compile(r"SET\s+DATA\s+TYPE\s+(text|varchar\s*\(\s*\d+\s*\)|numeric\s*\(\s*\d+)", re.I)
_COLUMN_ON_LINE = (re.compile(r"\b(?:ADD|ALTER)\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?([^\"\s]+)\"?", re.I),
                   re.compile(r'^\s*"([^"]+)"\s'), re.compile(r"^\s*(\w+)\s"))


def _target(statement: str) -> str | None:
    for pattern in (_ALTER_TABLE, _CREATE_TABLE):
        m = pattern.match(statement)
        if m:
            return m.group(1)
    m = _CREATE_INDEX.match(statement)
    return m.group(2) if m else None


def _created_in_file(file: MigrationFile, upto: int) -> set[str]:
    """Tables and indexes created by the statements of ``file`` up to and including ``upto``."""
    names = set()
    for st in file.statements[: upto + 1]:
        for pattern in (_CREATE_TABLE, _INDEX_NAME):
            m = pattern.match(st.text)
            if m:
                names.add(m.group(1))
    return names


def _locks_existing_table(file: MigrationFile, st: Statement) -> bool:
    """Whether the statement takes a lock that blocks reads or writes on a table older than this file."""
    new = _created_in_file(file, st.index)
    drop = _DROP_INDEX.match(st.text)
    if drop:
        return not drop.group(1) and drop.group(2) not in new
    index = _CREATE_INDEX.match(st.text)
    if index:
        return not index.group(1) and index.group(2) not in new
    m = _ALTER_TABLE.match(st.text)
    if not m:
        return False
    referenced = {r.group(1) for r in _REFERENCES.finditer(st.text)}
    return m.group(1) not in new or bool(referenced - new)


def _column_of(line_text: str) -> str | None:
    for pattern in _COLUMN_ON_LINE:
        m = pattern.search(line_text)
        if m:
            return m.group(1)
    return None


def _changed_later(files: list[MigrationFile], file: MigrationFile, statement: int, table: str, column: str) -> bool:
    """A later statement of the project changes the column's type, drops or renames it, or drops the table."""
    col = re.escape(column)
    tab = re.escape(table)
    touch = re.compile(rf'ALTER\s+TABLE\s+(?:"?\w+"?\.)?"?{tab}"?\s+(?:ALTER\s+COLUMN\s+"?{col}"?\s+(?:SET\s+DATA\s+)?'
                       rf'TYPE|DROP\s+COLUMN\s+"?{col}"?|RENAME\s+COLUMN\s+"?{col}"?|RENAME\s+TO)'
                       rf'|DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:"?\w+"?\.)?"?{tab}"?', re.I)
    started = False
    for other in files:
        if other.project != file.project:
            continue
        for st in other.statements:
            if other is file and st.index == statement:
                started = True
                continue
            if started and touch.search(st.text):
                return True
    return False


REASONS = {
    "table created in the same migration": "the statement acts on a table created earlier in the same migration: "
    "it is empty, so the lock is brief and nothing is scanned or rewritten. drizzle-lsp replays the migrations and "
    "stays silent by design (rules.md: \"statements on a table created in the same migration are never flagged by "
    "the lock rules\"); squawk does not track tables across statements for these rules.",
    "integer column that is neither a primary nor a foreign key": "`prefer-bigint-primary-key` flags 32-bit primary "
    "keys and the foreign keys pointing at them, where a sequence runs out at 2,147,483,647; a counter, a price in "
    "cents or a priority is a modelling choice, and flagging every `integer` would bury the findings that matter.",
    "no statement of the file locks an existing table": "the file only creates objects (tables, types, schemas, "
    "sequences), alters an enum or a sequence, or builds an index CONCURRENTLY: nothing in it waits for a lock that "
    "blocks reads or writes of a live table, so there is nothing a lock_timeout would protect. squawk asks for the "
    "timeout in any file with DDL.",
    "binary-coercible type change (no rewrite)": "varchar growth, varchar→text and numeric precision growth change "
    "only the catalogue: no rewrite, no scan. rules.md lists them as never flagged.",
    "UNIQUE / PRIMARY KEY cannot be NOT VALID": "squawk's `constraint-missing-not-valid` also fires on `ADD UNIQUE` "
    "and `ADD PRIMARY KEY`, where PostgreSQL does not accept `NOT VALID`; drizzle-lsp flags the same statement as "
    "`unique-constraint-builds-index`, with the recipe that works (a unique index built CONCURRENTLY, then "
    "`ADD CONSTRAINT … USING INDEX`).",
    "serial has a default": "squawk's `adding-required-field` fires on `ADD COLUMN … serial … NOT NULL`, but a serial "
    "column has a default (`nextval(…)`), so the ADD does not fail on existing rows; what it does is rewrite the table "
    "to fill the new column, which drizzle-lsp reports as `add-column-rewrites-table`.",
    "column changed later in the history": "a later migration changes the column's type, drops or renames it, or "
    "drops its table. drizzle-lsp judges the schema the application ends up with (the replay's final state), so a "
    "type a later migration already fixed is not reported again in the old file.",
}

# squawk rules with no drizzle-lsp equivalent that point at real, if narrow, dangers: listed as catalogue gaps for
# the rule owners rather than as deliberate differences.
CATALOGUE_GAPS = {
    "ban-drop-default": "`ALTER COLUMN … DROP DEFAULT` changes what the code still deployed gets when it inserts "
    "without that column: on a NOT NULL column the insert fails (23502), on a nullable one it silently stores NULL "
    "instead of the default. drizzle-kit emits it when `.default()` is removed from the schema.",
    "ban-alter-identity": "`ALTER COLUMN … SET GENERATED ALWAYS` (drizzle-kit's output for `generatedByDefaultAsIdentity` "
    "→ `generatedAlwaysAsIdentity`) makes every insert that supplies the id fail (428C9) for the code still deployed.",
}
SQUAWK_ONLY_RULES["renaming-object"] = ("renaming an enum type (drizzle-kit's rename prompt for `pgEnum`): drizzle's "
                                        "queries send enum values as untyped parameters and never spell the type's "
                                        "name, so the running code keeps working; the rename itself is catalogue-only.")


def classify_only_squawk(concept: Concept, found: list[Finding], file: MigrationFile, files: list[MigrationFile],
                         ours_here: set[str]) -> str:
    """Why drizzle-lsp has no equivalent finding here; "possible miss" when none of the known reasons applies."""
    f = found[0]
    st = file.statements[f.statement]
    if concept.scope == "file":
        return ("possible miss" if any(_locks_existing_table(file, s) for s in file.statements)
                else "no statement of the file locks an existing table")
    if concept.scope == "line":
        line_text = file.text.splitlines()[f.line - 1]
        if f.rule.startswith("prefer-bigint") and not _KEY_COLUMN.search(line_text):
            return "integer column that is neither a primary nor a foreign key"
        table, column = _target(st.text), _column_of(line_text)
        if table and column and _changed_later(files, file, f.statement, table, column):
            return "column changed later in the history"
        return "possible miss"
    rules = {x.rule for x in found}
    if rules <= {"constraint-missing-not-valid", "adding-foreign-key-constraint"} and \
            "unique-constraint-builds-index" in ours_here:
        return "UNIQUE / PRIMARY KEY cannot be NOT VALID"
    if rules == {"adding-required-field"} and re.search(r"\bserial\b", st.text, re.I):
        return "serial has a default"
    if not _locks_existing_table(file, st) and concept.name != "column type change":
        return "table created in the same migration"
    if concept.name == "column type change" and _SAFE_TYPE_CHANGE.search(st.text):
        return "binary-coercible type change (no rewrite)"
    return "possible miss"


# --- comparison -------------------------------------------------------------------------------------------------------

def unit(f: Finding, concept: Concept) -> tuple:
    if concept.scope == "file":
        return (f.file, None, concept.name, None)
    return (f.file, f.statement, concept.name, f.line if concept.scope == "line" else None)


def _excerpt(text: str, limit: int = 110) -> str:
    text = text.replace("|", "\\|").replace("`", "'")
    return text[:limit] + ("…" if len(text) > limit else "")


def compare(files: dict[str, MigrationFile], sq: list[Finding], ours: list[Finding],
            schema: list[SchemaFinding]) -> tuple[str, list[str]]:
    by_display = {f.display: f for f in files.values()}
    ordered = list(files.values())
    sq_units: dict[tuple, list[Finding]] = defaultdict(list)
    our_units: dict[tuple, list[Finding]] = defaultdict(list)
    ours_by_statement: dict[tuple, set[str]] = defaultdict(set)
    for f in sq:
        if f.rule in SQUAWK_TO_CONCEPT:
            sq_units[unit(f, SQUAWK_TO_CONCEPT[f.rule])].append(f)
    for f in ours:
        ours_by_statement[(f.file, f.statement)].add(f.rule)
        if f.rule in OURS_TO_CONCEPT:
            our_units[unit(f, OURS_TO_CONCEPT[f.rule])].append(f)
    in_schema = defaultdict(list)
    for s in schema:
        if s.rule in OURS_TO_CONCEPT:
            in_schema[(s.project, s.table, s.column, OURS_TO_CONCEPT[s.rule].name)].append(s)

    def where(key: tuple, found: list[Finding]) -> str:
        file = by_display[key[0]]
        if key[1] is None:  # file scope: show the statement each tool chose
            return f"`{key[0]}`"
        st = file.statements[key[1]]
        line = key[3] or st.line
        first = file.text.splitlines()[line - 1].strip() if key[3] else st.text.splitlines()[0].strip()
        return f"`{key[0]}:{line}` `{_excerpt(first)}`"

    rows, details, misses = [], [], []
    reason_counts: Counter[str] = Counter()
    for concept in CONCEPTS:
        keys_sq = {k for k in sq_units if k[2] == concept.name}
        keys_ours = {k for k in our_units if k[2] == concept.name}
        both, only_sq, only_ours = keys_sq & keys_ours, keys_sq - keys_ours, keys_ours - keys_sq
        via_schema: dict[tuple, SchemaFinding] = {}
        for key in list(only_sq):
            if concept.scope != "line":
                continue
            file = by_display[key[0]]
            table = _target(file.statements[key[1]].text)
            column = _column_of(file.text.splitlines()[key[3] - 1])
            match = in_schema.get((file.project, table, column, concept.name))
            if match:
                via_schema[key] = match[0]
                only_sq.discard(key)
                both.add(key)
        n_sq = sum(len(sq_units[k]) for k in keys_sq)
        n_ours = sum(len(our_units[k]) for k in keys_ours) + len(via_schema)
        present = [r for r in concept.ours if r in PRESENT_RULES]
        ours_label = ", ".join(f"`{r}`" for r in concept.ours) + ("" if present else " (not implemented yet)")
        rows.append([concept.name, ", ".join(f"`{r}`" for r in concept.squawk), ours_label,
                     len(both), len(only_sq), len(only_ours), n_sq, n_ours])
        if not (both or only_sq or only_ours):
            continue
        details.append(f"\n### {concept.name}\n\nsquawk: {', '.join(concept.squawk)} · "
                       f"drizzle-lsp: {', '.join(concept.ours)}\n")
        for title, keys in (("both flag", both), ("only squawk", only_sq), ("only drizzle-lsp", only_ours)):
            if not keys:
                continue
            details.append(f"\n**{title}** ({len(keys)})\n\n")
            for key in sorted(keys, key=lambda k: (k[0], k[1] or 0, k[3] or 0)):
                found_sq, found_ours = sq_units.get(key, []), our_units.get(key, [])
                rules = sorted({f.rule for f in found_sq + found_ours})
                suffix = ""
                if key in via_schema:
                    s = via_schema[key]
                    suffix = f" — drizzle-lsp reports it in the schema: `{s.file}:{s.line}` ({s.rule})"
                elif concept.scope == "file":
                    lines = sorted({f"{f.tool} line {f.line}" for f in found_sq + found_ours})
                    suffix = f" — {', '.join(lines)}"
                if title == "only squawk":
                    file = by_display[key[0]]
                    ours_here = ours_by_statement.get((key[0], found_sq[0].statement), set())
                    reason = classify_only_squawk(concept, found_sq, file, ordered, ours_here)
                    reason_counts[reason] += 1
                    suffix += f" — *{reason}*"
                    if reason == "possible miss":
                        misses.append((concept.name, file, found_sq))
                details.append(f"- {where(key, found_sq + found_ours)} ({', '.join(rules)}){suffix}\n")
    summary = md_table(["concept", "squawk rules", "drizzle-lsp rules", "both", "only squawk", "only drizzle-lsp",
                        "squawk findings", "drizzle-lsp findings"], rows)

    unmapped_sq: dict[str, list[Finding]] = defaultdict(list)
    for f in sq:
        if f.rule not in SQUAWK_TO_CONCEPT:
            unmapped_sq[f.rule].append(f)
    sq_rows, gaps = [], []
    for rule, found in sorted(unmapped_sq.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if rule in CATALOGUE_GAPS:
            status = "**catalogue gap** (below)"
            gaps.append((rule, found))
        elif rule in SQUAWK_ONLY_RULES:
            status = "deliberate (bench/README.md)"
        else:
            status = "**unclassified**"
            gaps.append((rule, found))
        sq_rows.append([f"`{rule}`", len(found), len({(f.file, f.statement) for f in found}), status])
    ours_only = Counter(f.rule for f in ours if f.rule not in OURS_TO_CONCEPT)
    our_rows = [[f"`{rule}`", n] for rule, n in ours_only.most_common()]

    miss_lines, miss_plain = [], []
    for concept_name, file, found in misses:
        st = file.statements[found[0].statement]
        if concept_name == "no lock_timeout":
            st = next(s for s in file.statements if _locks_existing_table(file, s))
        rules = ", ".join(sorted({f.rule for f in found}))
        miss_lines.append(f"- `{file.display}:{st.line}` ({concept_name}; squawk: {rules})\n\n"
                          f"  ```sql\n  {st.text}\n  ```\n\n  squawk says: {found[0].message}\n\n")
        miss_plain.append(f"{file.display}:{st.line} [{concept_name}] {st.text}")
    gap_lines = []
    for rule, found in gaps:
        note = CATALOGUE_GAPS.get(rule, "not classified yet")
        gap_lines.append(f"- `{rule}`: {note}\n")
        for f in found:
            st = by_display[f.file].statements[f.statement]
            gap_lines.append(f"  - `{f.file}:{st.line}` `{_excerpt(st.text, 160)}`\n")
            miss_plain.append(f"{f.file}:{st.line} [no rule: {rule}] {st.text}")

    reason_rows = [[r, n] for r, n in reason_counts.most_common()]
    text = "\n".join([
        "## Summary (agreement per concept)\n",
        summary,
        "\n\"both\", \"only squawk\" and \"only drizzle-lsp\" count statements (lines for the column-level concepts, "
        "files for lock_timeout, which both tools report once per file); the finding columns count raw findings "
        "(squawk reports an FK under two rules, for instance). A column that drizzle-lsp reports in the TypeScript "
        "schema rather than in the SQL generated from it counts as \"both\".\n",
        "## Why squawk flags what drizzle-lsp does not (equivalent rules)\n",
        md_table(["reason", "count"], reason_rows) if reason_rows else "None.",
        "\nThe reasons are explained in bench/README.md, section \"Deliberate differences\".\n",
        "## Possible drizzle-lsp misses (only squawk flags, no known reason)\n",
        "".join(miss_lines) if miss_lines else "None.\n",
        "## squawk rules without a drizzle-lsp equivalent\n",
        md_table(["squawk rule", "findings", "statements", "status"], sq_rows) if sq_rows else "None.",
        "\n### Catalogue gaps: real dangers only squawk names\n",
        "".join(gap_lines) if gap_lines else "None.\n",
        "\n## drizzle-lsp rules without a squawk equivalent\n",
        (md_table(["drizzle-lsp rule", "findings in these migrations"], our_rows) +
         f"\n\n{OURS_ONLY_NOTE}.") if our_rows else "None.",
        "\n## Details, concept by concept\n",
        "".join(details),
    ])
    return text, miss_plain


PRESENT_RULES: set[str] = set()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="drizzle-lsp-side-by-side-") as tmp:
        projects = collect_projects(Path(tmp))
        files = load_files(projects)
        versions = tool_versions()
        rules_out = subprocess.run(drizzle_lsp_command() + ["rules"], capture_output=True, text=True).stdout
        PRESENT_RULES.update(line.split()[0] for line in rules_out.splitlines()[1:] if line.strip())
        sq = run_squawk(files)
        ours, schema = run_drizzle_lsp(files, projects)
        body, misses = compare(files, sq, ours, schema)
    statements = sum(len(f.statements) for f in files.values())
    header = "\n".join([
        "# squawk vs drizzle-lsp, side by side\n",
        f"Generated by `python bench/squawk_side_by_side.py` with {versions['squawk']} "
        f"(`squawk --reporter json {' '.join(SQUAWK_OPTIONS)}`, default rule set) and drizzle-lsp "
        f"{versions['drizzle-lsp'].split()[-1]} (`drizzle-lsp check --format json`, {versions['rules']} catalogue "
        "rules present at the time of the run).\n",
        f"Input: {len(projects)} PostgreSQL projects, {len(files)} migration files, {statements} statements "
        "(tests/fixtures/corpus pg cases, tests/replay/fixtures pg folders, examples/saas, "
        "bench/fixtures/squawk-cases). squawk findings: "
        f"{len(sq)}; drizzle-lsp findings in these migrations: {len(ours)} (plus {len(schema)} in the TypeScript "
        "schemas that name a column).\n",
    ])
    text = header + "\n" + body
    path = write_result("squawk-side-by-side.md", text)
    print(text)
    print(f"\nwritten to {path.relative_to(REPO)}")
    if misses:
        print("\npossible drizzle-lsp misses:\n" + "\n".join("  " + m.replace("\n", " ") for m in misses))


if __name__ == "__main__":
    main()
