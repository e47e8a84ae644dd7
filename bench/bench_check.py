"""`drizzle-lsp check` against squawk on 300 generated migrations (about 3,000 statements), as a ratio, plus peak memory.

Run from the repository root with the venv active:
    python bench/bench_check.py                 # writes bench/results/check.md
    python bench/bench_check.py --profile 60    # also a cProfile of one in-process check of 60 migrations

The project is a drizzle-kit 0.x layout generated in a temporary folder (removed afterwards): drizzle.config.ts,
drizzle/NNNN_tag.sql with `--> statement-breakpoint`, meta/_journal.json and one snapshot per migration, the way
drizzle-kit writes them (each snapshot holds the whole schema, so they dominate the bytes on disk). squawk reads the
same .sql files; it has no use for the journal or snapshots.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    REPO, bench_env, drizzle_lsp_command, machine, md_table, median, squawk_binary, tool_versions, write_result,
)

BP = "--> statement-breakpoint"


# --- the generated project ----------------------------------------------------------------------------------------

@dataclass
class Column:
    type: str
    not_null: bool = False
    default: str | None = None
    primary: bool = False


@dataclass
class Table:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    indexes: dict[str, list[str]] = field(default_factory=dict)
    foreign_keys: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # name -> (column, table, column)
    droppable: list[str] = field(default_factory=list)  # added plain columns nothing else depends on


class Generator:
    """A drizzle-kit style history: tables created with their FKs and indexes, columns added, indexes built on
    existing tables, types widened, backfills, the odd drop and rename. Seeded, so every run measures the same."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.tables: dict[str, Table] = {}
        self.serial = 0

    def _name(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}_{self.serial}"

    def _existing(self) -> Table:
        return self.rng.choice(list(self.tables.values()))

    def create_table(self) -> list[str]:
        name = self._name("entity")
        table = Table(name)
        table.columns = {
            "id": Column("bigint", True, None, True),
            "owner_id": Column("bigint", True),
            "name": Column("text", True),
            "status": Column("varchar(32)", True, "'active'"),
            "amount": Column("numeric(12, 2)", False, "'0'"),
            "meta": Column("jsonb", False, "'{}'::jsonb"),
            "created_at": Column("timestamp with time zone", True, "now()"),
            "updated_at": Column("timestamp with time zone"),
        }
        lines = []
        for col_name, col in table.columns.items():
            if col.primary:
                lines.append(f'\t"{col_name}" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name '
                             f'"{name}_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 '
                             "CACHE 1)")
                continue
            default = f" DEFAULT {col.default}" if col.default else ""
            lines.append(f'\t"{col_name}" {col.type}{default}{" NOT NULL" if col.not_null else ""}')
        statements = [f'CREATE TABLE "{name}" (\n' + ",\n".join(lines) + "\n);\n"]
        if self.tables:
            parent = self._existing()
            fk = f"{name}_owner_id_{parent.name}_id_fk"
            table.foreign_keys[fk] = ("owner_id", parent.name, "id")
            statements.append(f'ALTER TABLE "{name}" ADD CONSTRAINT "{fk}" FOREIGN KEY ("owner_id") REFERENCES '
                              f'"public"."{parent.name}"("id") ON DELETE cascade ON UPDATE no action;')
        index = f"{name}_owner_idx"
        table.indexes[index] = ["owner_id"]
        statements.append(f'CREATE INDEX "{index}" ON "{name}" USING btree ("owner_id");')
        self.tables[name] = table
        return statements

    def add_column(self) -> list[str]:
        table = self._existing()
        col = self._name("col")
        kind = self.rng.choice(["text", "text_nn_default", "int_default", "tstz", "varchar", "ref", "nn_no_default"])
        if kind == "text":
            table.columns[col] = Column("text")
            table.droppable.append(col)
            return [f'ALTER TABLE "{table.name}" ADD COLUMN "{col}" text;']
        if kind == "text_nn_default":
            table.columns[col] = Column("text", True, "'none'")
            table.droppable.append(col)
            return [f'ALTER TABLE "{table.name}" ADD COLUMN "{col}" text DEFAULT \'none\' NOT NULL;']
        if kind == "int_default":
            table.columns[col] = Column("integer", True, "0")
            return [f'ALTER TABLE "{table.name}" ADD COLUMN "{col}" integer DEFAULT 0 NOT NULL;']
        if kind == "tstz":
            table.columns[col] = Column("timestamp with time zone")
            table.droppable.append(col)
            return [f'ALTER TABLE "{table.name}" ADD COLUMN "{col}" timestamp with time zone;']
        if kind == "varchar":
            table.columns[col] = Column("varchar(64)")
            return [f'ALTER TABLE "{table.name}" ADD COLUMN "{col}" varchar(64);']
        if kind == "nn_no_default":  # what drizzle-kit emits for a new .notNull() column
            table.columns[col] = Column("boolean", True)
            return [f'ALTER TABLE "{table.name}" ADD COLUMN "{col}" boolean NOT NULL;']
        target = self._existing()
        table.columns[col] = Column("bigint")
        fk = f"{table.name}_{col}_{target.name}_id_fk"
        table.foreign_keys[fk] = (col, target.name, "id")
        return [f'ALTER TABLE "{table.name}" ADD COLUMN "{col}" bigint;',
                f'ALTER TABLE "{table.name}" ADD CONSTRAINT "{fk}" FOREIGN KEY ("{col}") REFERENCES '
                f'"public"."{target.name}"("id") ON DELETE set null ON UPDATE no action;']

    def create_index(self) -> list[str]:
        table = self._existing()
        col = self.rng.choice([c for c in table.columns if c != "id"])
        index = self._name(f"{table.name}_{col}_idx")
        table.indexes[index] = [col]
        if col in table.droppable:
            table.droppable.remove(col)
        return [f'CREATE INDEX "{index}" ON "{table.name}" USING btree ("{col}");']

    def change_type(self) -> list[str]:
        table = self._existing()
        candidates = [c for c, col in table.columns.items() if col.type in ("varchar(64)", "integer")]
        if not candidates:
            return self.add_column()
        col = self.rng.choice(candidates)
        new = "varchar(128)" if table.columns[col].type == "varchar(64)" else "bigint"
        table.columns[col].type = new
        return [f'ALTER TABLE "{table.name}" ALTER COLUMN "{col}" SET DATA TYPE {new};']

    def backfill(self) -> list[str]:
        table = self._existing()
        return [f'UPDATE "{table.name}" SET "updated_at" = now() WHERE "updated_at" IS NULL;']

    def occasional(self) -> list[str]:
        table = self._existing()
        choice = self.rng.choice(["drop", "rename", "set_not_null", "set_default", "drop_index"])
        if choice == "drop" and table.droppable:
            col = table.droppable.pop()
            del table.columns[col]
            return [f'ALTER TABLE "{table.name}" DROP COLUMN "{col}";']
        if choice == "rename" and table.droppable:
            old = table.droppable.pop()
            new = self._name("renamed")
            table.columns[new] = table.columns.pop(old)
            table.droppable.append(new)
            return [f'ALTER TABLE "{table.name}" RENAME COLUMN "{old}" TO "{new}";']
        if choice == "set_not_null":
            nullable = [c for c, col in table.columns.items() if not col.not_null]
            if nullable:
                col = self.rng.choice(nullable)
                table.columns[col].not_null = True
                return [f'ALTER TABLE "{table.name}" ALTER COLUMN "{col}" SET NOT NULL;']
        if choice == "drop_index" and len(table.indexes) > 1:
            index = sorted(table.indexes)[-1]
            del table.indexes[index]
            return [f'DROP INDEX "{index}";']
        table.columns["status"].default = "'pending'"
        return [f'ALTER TABLE "{table.name}" ALTER COLUMN "status" SET DEFAULT \'pending\';']

    def migration(self, index: int, target: int) -> list[str]:
        statements: list[str] = []
        if index == 0:
            for _ in range(4):
                statements += self.create_table()
        elif index % 3 == 0:
            statements += self.create_table()
        actions = [self.add_column] * 4 + [self.create_index] * 2 + [self.change_type, self.backfill,
                                                                    self.occasional]
        while len(statements) < target:
            statements += self.rng.choice(actions)()
        return statements

    def snapshot(self, snapshot_id: str, prev_id: str) -> dict:
        tables = {}
        for t in self.tables.values():
            columns = {}
            for name, col in t.columns.items():
                entry: dict = {"name": name, "type": col.type, "primaryKey": col.primary, "notNull": col.not_null}
                if col.default is not None:
                    entry["default"] = col.default
                if col.primary:
                    entry["identity"] = {"type": "always", "name": f"{t.name}_id_seq", "schema": "public",
                                         "increment": "1", "startWith": "1", "minValue": "1",
                                         "maxValue": "9223372036854775807", "cache": "1", "cycle": False}
                columns[name] = entry
            indexes = {name: {"name": name, "columns": [{"expression": c, "isExpression": False, "asc": True,
                                                         "nulls": "last"} for c in cols],
                              "isUnique": False, "concurrently": False, "method": "btree", "with": {}}
                       for name, cols in t.indexes.items()}
            fks = {name: {"name": name, "tableFrom": t.name, "tableTo": to_table, "columnsFrom": [col],
                          "columnsTo": [to_col], "onDelete": "cascade", "onUpdate": "no action"}
                   for name, (col, to_table, to_col) in t.foreign_keys.items()}
            tables[f"public.{t.name}"] = {"name": t.name, "schema": "", "columns": columns, "indexes": indexes,
                                          "foreignKeys": fks, "compositePrimaryKeys": {}, "uniqueConstraints": {},
                                          "policies": {}, "checkConstraints": {}, "isRLSEnabled": False}
        return {"id": snapshot_id, "prevId": prev_id, "version": "7", "dialect": "postgresql", "tables": tables,
                "enums": {}, "schemas": {}, "sequences": {}, "roles": {}, "policies": {}, "views": {},
                "_meta": {"columns": {}, "schemas": {}, "tables": {}}}


@dataclass
class GeneratedProject:
    root: Path
    sql_files: list[Path]
    statements: int
    sql_bytes: int
    snapshot_bytes: int


def generate_project(root: Path, migrations: int = 300, per_migration: int = 10, snapshots: bool = True,
                     seed: int = 7) -> GeneratedProject:
    """Write a drizzle-kit 0.x project with ``migrations`` migrations of about ``per_migration`` statements."""
    out = root / "drizzle"
    (out / "meta").mkdir(parents=True)
    (root / "drizzle.config.ts").write_text(
        "import { defineConfig } from 'drizzle-kit';\n\n"
        "export default defineConfig({\n  dialect: 'postgresql',\n  out: './drizzle',\n});\n")
    gen = Generator(seed)
    ids = random.Random(seed + 1)
    entries, files = [], []
    statements = sql_bytes = snapshot_bytes = 0
    prev_id = "00000000-0000-0000-0000-000000000000"
    for i in range(migrations):
        body = gen.migration(i, per_migration)
        tag = f"{i:04d}_step_{i}"
        text = f"{BP}\n".join(s if s.endswith("\n") else s + "\n" for s in body)
        path = out / f"{tag}.sql"
        path.write_text(text)
        files.append(path)
        statements += len(body)
        sql_bytes += len(text.encode())
        entries.append({"idx": i, "version": "7", "when": 1750000000000 + i * 60000, "tag": tag,
                        "breakpoints": True})
        if snapshots:
            snapshot_id = str(uuid.UUID(int=ids.getrandbits(128), version=4))
            data = json.dumps(gen.snapshot(snapshot_id, prev_id), indent=2)
            (out / "meta" / f"{i:04d}_snapshot.json").write_text(data)
            snapshot_bytes += len(data)
            prev_id = snapshot_id
    (out / "meta" / "_journal.json").write_text(json.dumps(
        {"version": "7", "dialect": "postgresql", "entries": entries}, indent=2))
    return GeneratedProject(root, files, statements, sql_bytes, snapshot_bytes)


# --- measuring ----------------------------------------------------------------------------------------------------

# Each measured run is a fresh wrapper process that times its one child and reads the child's peak RSS from
# getrusage(RUSAGE_CHILDREN): the wrapper's own start-up is outside the timed span, and no other child counts.
_RUN = (
    "import json, resource, subprocess, sys, time\n"
    "started = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode\n"
    "seconds = time.perf_counter() - started\n"
    "print(json.dumps({'seconds': seconds, 'rss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
    " 'code': code}))\n"
)


@dataclass
class Runs:
    seconds: list[float]
    rss_mb: list[float]

    @property
    def median_ms(self) -> float:
        return median(self.seconds) * 1000

    @property
    def min_ms(self) -> float:
        return min(self.seconds) * 1000


ENV: dict[str, str] | None = None  # set in main(): see _common.bench_env


def measure(command: list[str], runs: int, warmup: bool = True, slow_after: float = 60.0) -> Runs:
    """``runs`` timed runs after one untimed one; a tool slower than ``slow_after`` seconds is run once, timed."""
    result = Runs([], [])

    def once() -> tuple[float, float]:
        out = subprocess.run([sys.executable, "-c", _RUN, *command], capture_output=True, text=True, check=True,
                             env=ENV)
        data = json.loads(out.stdout)
        if data["code"] not in (0, 1):
            sys.exit(f"{' '.join(command[:4])} … failed with exit status {data['code']}")
        return data["seconds"], data["rss_kb"] / 1024  # ru_maxrss is in KiB on Linux

    if warmup:
        seconds, rss = once()  # compiles .pyc files of a fresh checkout, fills the page cache
        if seconds > slow_after:
            return Runs([seconds], [rss])
    for _ in range(runs):
        seconds, rss = once()
        result.seconds.append(seconds)
        result.rss_mb.append(rss)
    return result


def count_findings(command: list[str], squawk: bool) -> int:
    out = subprocess.run(command, capture_output=True, text=True, env=ENV).stdout
    data = json.loads(out)
    return len(data) if squawk else len(data["findings"])


def profile_check(project: Path, cache_dir: Path, top: int = 30) -> str:
    """One check in this process under cProfile, after an unprofiled one (imports done, bytecode cached)."""
    import cProfile
    import contextlib
    import io
    import pstats
    import sysconfig

    sys.dont_write_bytecode = False
    sys.pycache_prefix = str(cache_dir)
    from drizzle_lsp.cli.main import main as cli_main

    with contextlib.redirect_stdout(io.StringIO()):
        cli_main(["check", "--format", "json", str(project)])
    profiler = cProfile.Profile()
    with contextlib.redirect_stdout(io.StringIO()):
        profiler.enable()
        cli_main(["check", "--format", "json", str(project)])
        profiler.disable()
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top // 2)
    text = report.getvalue().replace(str(REPO) + os.sep, "").replace(str(project), "<project>")
    # No machine paths in a committed result: the interpreter's folders become placeholders.
    return text.replace(sysconfig.get_paths()["stdlib"], "<stdlib>").replace(sys.prefix, "<venv>")


def compare_at(tmp: Path, migrations: int, runs: int, snapshots: bool) -> dict:
    project = generate_project(tmp / f"project-{migrations}", migrations, snapshots=snapshots)
    ours = drizzle_lsp_command() + ["check", "--format", "json", str(project.root)]
    squawk = [squawk_binary(), "--reporter", "json", "--assume-in-transaction", *map(str, project.sql_files)]
    measured = {"project": project, "ours": measure(ours, runs), "squawk": measure(squawk, runs),
                "ours_findings": count_findings(ours, squawk=False),
                "squawk_findings": count_findings(squawk, squawk=True)}
    shutil.rmtree(project.root, ignore_errors=True)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool (a run over 60 s is not repeated)")
    parser.add_argument("--migrations", type=int, default=300)
    parser.add_argument("--scaling", default="30,60,120", help="smaller sizes to show how the time grows ('' = none)")
    parser.add_argument("--no-snapshots", action="store_true", help="leave out meta/NNNN_snapshot.json")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also print a cProfile of one in-process check of N generated migrations")
    args = parser.parse_args()

    snapshots = not args.no_snapshots
    sizes = [int(n) for n in args.scaling.split(",") if n.strip()] + [args.migrations]
    tmp = Path(tempfile.mkdtemp(prefix="drizzle-lsp-bench-check-"))
    global ENV
    ENV = bench_env(tmp / "pycache")
    load_before = os.getloadavg()
    results = {}
    try:
        startup = measure(drizzle_lsp_command() + ["--version"], args.runs)
        for size in sizes:
            results[size] = compare_at(tmp, size, args.runs, snapshots)
            r = results[size]
            print(f"{size} migrations: drizzle-lsp {r['ours'].median_ms:.0f} ms, squawk {r['squawk'].median_ms:.0f} ms",
                  flush=True)
        profile = None
        if args.profile:
            project = generate_project(tmp / "profiled", args.profile, snapshots=snapshots)
            profile = profile_check(project.root, tmp / "pycache")
        versions = tool_versions()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = os.getloadavg()

    main_size = results[args.migrations]
    project, ours, sq = main_size["project"], main_size["ours"], main_size["squawk"]
    rows = [
        ["drizzle-lsp check --format json (the project)", len(ours.seconds), f"{ours.median_ms:.0f}",
         f"{ours.min_ms:.0f}", f"{max(ours.rss_mb):.0f}", main_size["ours_findings"] or "not counted"],
        ["squawk --reporter json --assume-in-transaction (its .sql files)", len(sq.seconds), f"{sq.median_ms:.0f}",
         f"{sq.min_ms:.0f}", f"{max(sq.rss_mb):.0f}", main_size["squawk_findings"]],
        ["drizzle-lsp --version (interpreter start + import, for scale)", len(startup.seconds),
         f"{startup.median_ms:.0f}", f"{startup.min_ms:.0f}", f"{max(startup.rss_mb):.0f}", ""],
    ]
    scaling_rows = []
    for size, r in results.items():
        scaling_rows.append([size, r["project"].statements, f"{r['ours'].median_ms:.0f}",
                             f"{r['squawk'].median_ms:.0f}", f"{r['ours'].median_ms / r['squawk'].median_ms:.0f}×",
                             f"{max(r['ours'].rss_mb):.0f}", f"{max(r['squawk'].rss_mb):.0f}"])
    ratio = ours.median_ms / sq.median_ms
    text = "\n".join([
        f"# `drizzle-lsp check` vs squawk on {args.migrations} generated migrations\n",
        f"Generated by `python bench/bench_check.py`: {args.runs} timed runs per tool after one untimed run (a run "
        "slower than 60 s is done once, and that run is the figure). Wall time and peak RSS of each run come from a "
        "fresh wrapper process (`time.perf_counter()` around the tool, `getrusage(RUSAGE_CHILDREN).ru_maxrss`).\n",
        f"Machine: {machine()}; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (other work "
        f"shared the machine); Python {versions['python']}; {versions['squawk']}; drizzle-lsp "
        f"{versions['drizzle-lsp'].split()[-1]} with {versions['rules']} catalogue rules.\n",
        f"Project: {args.migrations} migrations, {project.statements} statements, "
        f"{project.sql_bytes / 1024:.0f} KiB of SQL"
        + (f", {args.migrations} snapshots ({project.snapshot_bytes / 1024 / 1024:.1f} MiB of JSON, read by "
           "drizzle-lsp only)" if snapshots else ", no snapshots") + ". Same generator for every size (seeded).\n",
        md_table(["command", "runs", "median ms", "min ms", "peak RSS MB", "findings"], rows),
        f"\n**Ratio drizzle-lsp / squawk: {ratio:.0f}× (median wall time), {ours.min_ms / sq.min_ms:.0f}× (min); "
        f"peak memory {max(ours.rss_mb) / max(sq.rss_mb):.0f}×.**\n",
        "## How the time grows with the number of migrations\n",
        md_table(["migrations", "statements", "drizzle-lsp median ms", "squawk median ms", "ratio",
                  "drizzle-lsp peak RSS MB", "squawk peak RSS MB"], scaling_rows),
        "\nsquawk lints each file on its own, so its time grows linearly. drizzle-lsp also reads the journal and "
        "every snapshot, replays all migrations in order (to know which tables exist at each statement), and runs "
        "rules that need that context; see bench/README.md, \"Hot spots\", for where its time goes.\n",
    ])
    if profile:
        text += f"\n## cProfile of one check of {args.profile} generated migrations\n\n```\n{profile}\n```\n"
    print(text)
    if args.migrations == 300:  # other sizes are experiments: printed, never written over the reference result
        suffix = "-no-snapshots" if args.no_snapshots else ""
        path = write_result(f"check{suffix}.md", text)
        print(f"written to {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
