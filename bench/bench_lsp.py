"""The language server driven over stdio by a real LSP client: edit-to-diagnostics latency, cold start, memory, and
the same migration through `squawk server` as the peer figure.

Run from the repository root with the venv active:
    python bench/bench_lsp.py                  # everything; writes bench/results/lsp.md
    python bench/bench_lsp.py --only a,b,e     # some scenarios (a schema, b migration, c cold start, d memory,
                                               # e squawk server)

Scenarios (targets from issue 4):
  (a) didChange -> publishDiagnostics on a generated 3,000-line schema.ts, push mode (no pull capability, like
      Neovim 0.7), p50/p95 over 50 one-character edits                                   target p95 < 50 ms
  (b) the same on a 200-statement migration                                              target p95 < 15 ms
  (c) cold start (process spawn -> first diagnostics of an opened schema file) on examples/saas   target < 1 s
  (d) resident memory of the server on a workspace of 300 migrations                     target < 200 MB
  (e) the 200-statement migration through `squawk server`, which only does pull diagnostics: didChange, then
      textDocument/diagnostic, timed to the response. drizzle-lsp is measured the same way for comparison.
  (f) with (d): typing in a comment of the last migration of those 300 (no target; a long history's keystroke).
(a) and (b) run twice: with the server's default debounce (40 ms) and with `{"drizzleLsp": {"debounceMs": 0}}` in
initializationOptions. A change that finds the server idle is analysed at once, so the two series only differ when
changes arrive while an analysis runs (never here: each edit waits for its answer). Each edit replaces one character
(the same length: nothing after it moves); a third series types instead (each edit inserts a character, so every
later offset in the file moves), which is what a user does.
Then, in this process, where one keystroke's time goes for (a) and (b): Session.refresh split into reading/replay,
rules and the split offer, and the diagnostics JSON of the edited file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, bench_env, machine, md_table, median, percentile, squawk_binary, tool_versions, write_result  # noqa: E402
from bench_check import generate_project  # noqa: E402
from bench_extract import generate_schema  # noqa: E402
from lsp_client import PULL_CAPABILITIES, PUSH_CAPABILITIES, LspClient, LspError, vm_status  # noqa: E402

SERVER = [sys.executable, "-m", "drizzle_lsp", "serve"]
ENV: dict[str, str] | None = None  # set in main(): see _common.bench_env
WARMUP_EDITS = 3
MIN_EDITS = 5  # a series stops early once over its time budget, but never with fewer timed edits


@dataclass
class EditResult:
    scenario: str
    mode: str
    latencies: list[float]
    misses: int
    rss_mb: float | None

    def row(self, target_ms: float | None) -> list[object]:
        if not self.latencies:
            return [self.scenario, self.mode, 0, "—", "—", "—", self.misses, target_ms or "", "no data"]
        p95 = percentile(self.latencies, 95) * 1000
        verdict = "" if target_ms is None else ("met" if p95 < target_ms else f"**missed** ({p95 / target_ms:.1f}×)")
        return [self.scenario, self.mode, len(self.latencies), f"{median(self.latencies) * 1000:.1f}", f"{p95:.1f}",
                f"{max(self.latencies) * 1000:.1f}", self.misses,
                f"< {target_ms:g} ms" if target_ms else "", verdict]


# --- documents and edits ------------------------------------------------------------------------------------------

def position(text: str, offset: int) -> dict:
    """LSP position of a character offset, counting UTF-16 code units as the protocol's default encoding does."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": len(text[start:offset].encode("utf-16-le")) // 2}


def typed_char(text: str, offset: int, char: str) -> tuple[str, dict, dict]:
    """The new text, an incremental change and a full-text change inserting ``char`` at ``offset`` (typing: every
    later offset moves)."""
    new = text[:offset] + char + text[offset:]
    incremental = {"range": {"start": position(text, offset), "end": position(text, offset)}, "text": char}
    return new, incremental, {"text": new}


def one_char_edit(text: str, offset: int, char: str) -> tuple[str, dict, dict]:
    """The new text, an incremental change and a full-text change replacing the character at ``offset``."""
    new = text[:offset] + char + text[offset + 1:]
    incremental = {"range": {"start": position(text, offset), "end": position(text, offset + 1)}, "text": char}
    return new, incremental, {"text": new}


def schema_project(root: Path) -> tuple[Path, int]:
    (root / "src").mkdir(parents=True)
    (root / "drizzle.config.ts").write_text(
        "import { defineConfig } from 'drizzle-kit';\n\n"
        "export default defineConfig({\n  dialect: 'postgresql',\n  schema: './src/schema.ts',\n"
        "  out: './drizzle',\n});\n")
    text = generate_schema()
    doc = root / "src" / "schema.ts"
    doc.write_text(text)
    # The same edit as bench_extract: one character of a table name in the middle of the file.
    return doc, text.index('"table_75"') + 7


def migration_project(root: Path) -> tuple[Path, int]:
    generated = generate_project(root, migrations=2, per_migration=200)
    doc = generated.sql_files[-1]
    text = doc.read_text()
    # A string default in the middle of the file: the edit changes a literal, not the schema's shape.
    middle = len(text) // 2
    at = text.find("DEFAULT 'none'", middle)
    at = text.find("DEFAULT 'none'") if at < 0 else at
    return doc, at + len("DEFAULT '")


# --- scenarios ----------------------------------------------------------------------------------------------------

def _options(debounce: int | None) -> dict | None:
    return None if debounce is None else {"drizzleLsp": {"debounceMs": debounce}}


def _published_for(uri: str, version: int | None = None):
    def match(message: dict) -> bool:
        if message.get("method") != "textDocument/publishDiagnostics":
            return False
        params = message["params"]
        return params["uri"] == uri and (version is None or params.get("version") == version)
    return match


def push_edits(root: Path, doc: Path, offset: int, edits: int, debounce: int | None, tmp: Path,
               label: str, timeout: float, budget: float, typing: bool = False) -> EditResult:
    text = doc.read_text()
    uri = doc.resolve().as_uri()
    options = _options(debounce)
    client = LspClient(SERVER, root, settings=options, stderr_path=tmp / f"{label}.stderr", env=ENV)
    latencies, misses = [], 0
    try:
        client.initialize(root, PUSH_CAPABILITIES, options, timeout=timeout)
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": _language(doc),
                                                                "version": 1, "text": text}})
        client.wait_for(_published_for(uri), timeout)
        series_started = time.perf_counter()
        for i in range(WARMUP_EDITS + edits):
            if len(latencies) >= MIN_EDITS and time.perf_counter() - series_started > budget:
                break
            version = i + 2
            if typing:  # a name growing one character at a time
                text, change, _ = typed_char(text, offset + i, "xy"[i % 2])
            else:
                text, change, _ = one_char_edit(text, offset, "xy"[i % 2])
            sent = client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                           "contentChanges": [change]})
            try:
                received, _ = client.wait_for(_published_for(uri, version), timeout)
            except LspError:
                misses += 1
                continue
            if i >= WARMUP_EDITS:
                latencies.append(received - sent)
        rss = vm_status(client.pid)["VmRSS"] / 1024
    finally:
        client.shutdown()
    mode = "push, debounce " + ("40 ms (default)" if debounce is None else f"{debounce} ms") + (
        ", typing (each edit inserts a character)" if typing else "")
    return EditResult(label, mode, latencies, misses, rss)


def pull_edits(command: list[str], root: Path, doc: Path, offset: int, edits: int, tmp: Path, label: str,
               timeout: float, mode: str, budget: float) -> EditResult:
    text = doc.read_text()
    uri = doc.resolve().as_uri()
    client = LspClient(command, root, stderr_path=tmp / f"{label}.stderr", env=ENV)
    latencies, misses = [], 0
    try:
        result = client.initialize(root, PULL_CAPABILITIES, None, timeout=timeout)
        sync = result.get("capabilities", {}).get("textDocumentSync", 1)
        full = (sync.get("change", 1) if isinstance(sync, dict) else sync) == 1
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": _language(doc),
                                                                "version": 1, "text": text}})
        client.request("textDocument/diagnostic", {"textDocument": {"uri": uri}}, timeout)
        series_started = time.perf_counter()
        for i in range(WARMUP_EDITS + edits):
            if len(latencies) >= MIN_EDITS and time.perf_counter() - series_started > budget:
                break
            text, incremental, whole = one_char_edit(text, offset, "xy"[i % 2])
            sent = client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": i + 2},
                                                           "contentChanges": [whole if full else incremental]})
            try:
                _, report = client.request("textDocument/diagnostic", {"textDocument": {"uri": uri}}, timeout)
            except LspError:
                misses += 1
                continue
            if i >= WARMUP_EDITS:
                latencies.append(time.perf_counter() - sent)
        rss = vm_status(client.pid)["VmRSS"] / 1024
    finally:
        client.shutdown()
    return EditResult(label, mode, latencies, misses, rss)


def _language(doc: Path) -> str:
    return "sql" if doc.suffix == ".sql" else "typescript"


def cold_start(tmp: Path, runs: int, timeout: float) -> tuple[list[float], list[float], int]:
    """Spawn -> initialize answered, and spawn -> first publishDiagnostics of the opened schema file."""
    root = tmp / "saas"
    shutil.copytree(REPO / "examples" / "saas", root, ignore=shutil.ignore_patterns("node_modules"))
    doc = root / "src" / "db" / "schema" / "app.ts"
    uri = doc.resolve().as_uri()
    to_initialize, to_diagnostics, count = [], [], 0
    for i in range(runs + 1):
        client = LspClient(SERVER, root, stderr_path=tmp / "cold.stderr", env=ENV)
        try:
            client.initialize(root, PUSH_CAPABILITIES, None, timeout=timeout)
            initialized = time.perf_counter()
            client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "typescript",
                                                                    "version": 1, "text": doc.read_text()}})
            received, message = client.wait_for(_published_for(uri), timeout)
            if i:  # the first run compiles the .pyc files of a fresh checkout; editors start a warm install
                to_initialize.append(initialized - client.started)
                to_diagnostics.append(received - client.started)
                count = len(message["params"]["diagnostics"])
        finally:
            client.shutdown()
    return to_initialize, to_diagnostics, count


def memory_on_300(tmp: Path, timeout: float) -> dict:
    generated = generate_project(tmp / "three-hundred", migrations=300)
    root = generated.root
    doc = generated.sql_files[-1]
    uri = doc.resolve().as_uri()
    client = LspClient(SERVER, root, stderr_path=tmp / "memory.stderr", env=ENV)
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                samples.append(vm_status(client.pid)["VmRSS"])
            except (OSError, KeyError):
                return
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = {"statements": generated.statements, "finished": False, "root": root, "doc": doc}
    try:
        client.initialize(root, PUSH_CAPABILITIES, None, timeout=timeout)
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "sql", "version": 1,
                                                                "text": doc.read_text()}})
        try:
            received, _ = client.wait_for(_published_for(uri), timeout)
            result["finished"] = True
            result["seconds"] = received - client.started
            time.sleep(1.0)  # let the background index settle before reading the resident size
        except LspError:
            result["seconds"] = time.perf_counter() - client.started
        status = vm_status(client.pid)
        result["rss_mb"] = status["VmRSS"] / 1024
        result["peak_mb"] = status["VmHWM"] / 1024
    finally:
        stop.set()
        client.shutdown()
    return result


def breakdown(root: Path, doc: Path, offset: int, edits: int) -> dict[str, float]:
    """Median ms per phase of one keystroke, measured in this process on the scenario's project."""
    from drizzle_lsp.analysis import session as session_module
    from drizzle_lsp.lsp import diagnostics
    from drizzle_lsp.rules import engine

    spent: dict[str, list[float]] = {}
    current: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                current[name] = current.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    originals = (session_module.Session._load, engine.run_rules, engine._offer_splits)
    session_module.Session._load = timed("reading the project, parsing the edited file, replay", originals[0])
    engine.run_rules = timed("rules", originals[1])
    engine._offer_splits = timed("split offer (part of rules)", originals[2])

    class Editor:
        versions: dict = {}

        def document_text(self, path):
            return session.text_of(path)

    try:
        session = session_module.Session([str(root)])
        session.reload_all()
        encoder = diagnostics.DiagnosticsEncoder()
        text = doc.read_text()
        for i in range(WARMUP_EDITS + edits):
            text, _, _ = one_char_edit(text, offset, "xy"[i % 2])
            session.set_document(str(doc), text)
            current.clear()
            started = time.perf_counter()
            session.refresh({str(doc)})
            current["Session.refresh, total"] = time.perf_counter() - started
            current["units reused (count, not ms)"] = sum(m.reused for m in session.cache.rule_memos.values()) / 1000
            started = time.perf_counter()
            encoder.encode(str(doc), session.findings.get(str(doc), []), text, "utf-16", i, Editor())
            current["diagnostics JSON of the edited file"] = time.perf_counter() - started
            if i >= WARMUP_EDITS:
                for name, seconds in current.items():
                    spent.setdefault(name, []).append(seconds)
    finally:
        session_module.Session._load, engine.run_rules, engine._offer_splits = originals
    return {name: median(values) * 1000 for name, values in spent.items()}


def breakdown_section(parts: list[tuple[str, dict[str, float]]]) -> str:
    names = sorted({name for _, found in parts for name in found}, key=lambda n: (n != "Session.refresh, total", n))
    rows = [[name] + [f"{found.get(name, 0):.1f}" for _, found in parts] for name in names]
    shares = []
    for label, found in parts:
        total = found.get("Session.refresh, total", 0) or 1
        rules, split = found.get("rules", 0), found.get("split offer (part of rules)", 0)
        reading = found.get("reading the project, parsing the edited file, replay", 0)
        shares.append(f"- {label}: the rules are {rules / total:.0%} of the refresh (the split offer alone "
                      f"{split / total:.0%}), reading and replay {reading / total:.0%}; encoding the diagnostics "
                      f"adds {found.get('diagnostics JSON of the edited file', 0):.0f} ms.")
    return ("## Where one keystroke's time goes (in process)\n\n"
            "Median ms over the same edits, calling `Session.refresh` directly (no protocol, no debounce): the "
            "rules include the split offer and the reuse of the findings of unchanged tables and migrations "
            "(rules/memo.py); the diagnostics JSON is what the server writes for the edited file (its encoder "
            "keeps unchanged items encoded); \"units reused\" counts (rule, table or migration) pairs whose "
            "findings were reused instead of computed.\n\n"
            + md_table(["phase"] + [label for label, _ in parts], rows) + "\n\n" + "\n".join(shares)
            + "\n\nbench/README.md, \"Hot spots\", says where the rest goes.\n")


# --- report -------------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="a,b,c,d,e", help="comma-separated scenarios among a,b,c,d,e")
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=180,
                        help="seconds per edit series: a slow series stops early (with at least 5 timed edits)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for one diagnostics answer")
    parser.add_argument("--memory-timeout", type=float, default=1800,
                        help="seconds to wait for the first diagnostics of the 300-migration workspace")
    args = parser.parse_args()
    only = set(args.only.split(","))

    tmp = Path(tempfile.mkdtemp(prefix="drizzle-lsp-bench-lsp-"))
    global ENV
    ENV = bench_env(tmp / "pycache")
    rows, sections = [], []
    load_before = os.getloadavg()
    try:
        parts: list[tuple[str, dict[str, float]]] = []
        if "a" in only:
            doc, offset = schema_project(tmp / "schema")
            lines = doc.read_text().count("\n")
            for debounce in (None, 0):
                r = push_edits(tmp / "schema", doc, offset, args.edits, debounce, tmp, f"(a) schema.ts, {lines} lines",
                               args.timeout, args.budget)
                rows.append(r.row(50) + [f"{r.rss_mb:.0f}" if r.rss_mb else ""])
                print(rows[-1], flush=True)
            r = push_edits(tmp / "schema", doc, offset, args.edits, None, tmp, f"(a) schema.ts, {lines} lines",
                           args.timeout, args.budget, typing=True)
            rows.append(r.row(50) + [f"{r.rss_mb:.0f}" if r.rss_mb else ""])
            print(rows[-1], flush=True)
            parts.append((f"(a) schema.ts, {lines} lines", breakdown(tmp / "schema", doc, offset, min(args.edits, 20))))
        if "b" in only or "e" in only:
            mig_root = tmp / "migration"
            doc, offset = migration_project(mig_root)
            label = "(b) migration, 200 statements"
            if "b" in only:
                for debounce in (None, 0):
                    r = push_edits(mig_root, doc, offset, args.edits, debounce, tmp, label, args.timeout, args.budget)
                    rows.append(r.row(15) + [f"{r.rss_mb:.0f}" if r.rss_mb else ""])
                    print(rows[-1], flush=True)
                r = push_edits(mig_root, doc, offset, args.edits, None, tmp, label, args.timeout, args.budget,
                               typing=True)
                rows.append(r.row(15) + [f"{r.rss_mb:.0f}" if r.rss_mb else ""])
                print(rows[-1], flush=True)
                parts.append((label, breakdown(mig_root, doc, offset, min(args.edits, 20))))
            if "e" in only:
                r = pull_edits(SERVER, mig_root, doc, offset, args.edits, tmp, "(e) migration, 200 statements",
                               args.timeout, "drizzle-lsp pull (didChange + textDocument/diagnostic)", args.budget)
                rows.append(r.row(None) + [f"{r.rss_mb:.0f}" if r.rss_mb else ""])
                print(rows[-1], flush=True)
                sq = pull_edits([squawk_binary(), "server"], mig_root, doc, offset, args.edits, tmp,
                                "(e) migration, 200 statements", args.timeout,
                                "squawk server pull (didChange + textDocument/diagnostic)", args.budget)
                rows.append(sq.row(None) + [f"{sq.rss_mb:.0f}" if sq.rss_mb else ""])
                print(rows[-1], flush=True)
                if r.latencies and sq.latencies:
                    sections.append(
                        f"Peer ratio on the 200-statement migration, pull mode: drizzle-lsp / squawk server = "
                        f"{median(r.latencies) / median(sq.latencies):.1f}× at p50, "
                        f"{percentile(r.latencies, 95) / percentile(sq.latencies, 95):.1f}× at p95.\n")
        if parts:
            sections.append(breakdown_section(parts))
            print(sections[-1], flush=True)
        if "c" in only:
            to_init, to_diag, count = cold_start(tmp, args.cold_runs, args.timeout)
            verdict = "met" if median(to_diag) < 1 else "**missed**"
            sections.append(
                "## (c) Cold start on examples/saas\n\n" + md_table(
                    ["measure", "median ms", "min ms", "max ms", "target", "verdict"],
                    [["spawn → initialize answered", f"{median(to_init) * 1000:.0f}", f"{min(to_init) * 1000:.0f}",
                      f"{max(to_init) * 1000:.0f}", "", ""],
                     ["spawn → first diagnostics of src/db/schema/app.ts", f"{median(to_diag) * 1000:.0f}",
                      f"{min(to_diag) * 1000:.0f}", f"{max(to_diag) * 1000:.0f}", "< 1000 ms", verdict]])
                + f"\n\n{args.cold_runs} runs after one untimed run; the first diagnostics held {count} findings.\n")
            print(sections[-1], flush=True)
        if "d" in only:
            m = memory_on_300(tmp, args.memory_timeout)
            verdict = "met" if m["finished"] and m["rss_mb"] < 200 else "**missed**"
            state = (f"first diagnostics of the last migration after {m['seconds']:.1f} s" if m["finished"] else
                     f"**no diagnostics within {args.memory_timeout:.0f} s** (figures taken at that point)")
            sections.append(
                "## (d) Resident memory on a workspace of 300 migrations\n\n"
                f"Workspace generated by bench_check's generator ({m['statements']} statements, with snapshots); "
                f"the last migration opened; {state}.\n\n" + md_table(
                    ["VmRSS MB", "VmHWM (peak) MB", "target", "verdict"],
                    [[f"{m['rss_mb']:.0f}", f"{m['peak_mb']:.0f}", "< 200 MB", verdict]]) + "\n")
            print(sections[-1], flush=True)
            # Typing in the last migration of that long history (in a comment, so the findings stay the same).
            doc = m["doc"]
            doc.write_text(doc.read_text() + "\n-- notes: ")
            r = push_edits(m["root"], doc, len(doc.read_text()), min(args.edits, 20), None, tmp,
                           "(f) last of 300 migrations", args.timeout, args.budget, typing=True)
            rows.append(r.row(None) + [f"{r.rss_mb:.0f}" if r.rss_mb else ""])
            print(rows[-1], flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    versions = tool_versions()
    load_after = os.getloadavg()
    table = md_table(["scenario", "mode", "edits", "p50 ms", "p95 ms", "max ms", "missed answers", "target",
                      "verdict", "server RSS MB"], rows) if rows else ""
    text = "\n".join([
        "# drizzle-lsp language server: latency, cold start, memory (and `squawk server`)\n",
        f"Generated by `python bench/bench_lsp.py` with a minimal stdio JSON-RPC client (bench/lsp_client.py) that "
        "timestamps each message as it arrives. Machine: "
        f"{machine()}; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; Python "
        f"{versions['python']}; drizzle-lsp {versions['drizzle-lsp'].split()[-1]} with {versions['rules']} "
        f"catalogue rules; {versions['squawk']}.\n",
        "Latency = from writing `textDocument/didChange` to the arrival of the `publishDiagnostics` carrying that "
        "document version (push), or of the `textDocument/diagnostic` response sent right after the change (pull). "
        f"Each series is up to {args.edits} one-character edits after {WARMUP_EDITS} untimed ones, each waiting for "
        f"its answer; a series stops early once it has run {args.budget:.0f} s (the \"edits\" column says how many "
        "were timed). The server analyses a change at once when it is idle; `debounceMs` (40 ms by default) only "
        "delays changes that arrive while an analysis runs, so both series measure the analysis and the protocol.\n",
        "## (a), (b), (e), (f) didChange to diagnostics\n" if rows else "",
        table,
        "",
        *sections,
    ])
    if only == {"a", "b", "c", "d", "e"}:
        path = write_result("lsp.md", text)
        print(text)
        print(f"written to {path.relative_to(REPO)}")
    else:
        print(text)


if __name__ == "__main__":
    main()
