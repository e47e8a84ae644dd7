"""Helpers shared by the bench scripts: where the tools are, how to run them, how to summarise timings."""

from __future__ import annotations

import math
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


def squawk_binary() -> str:
    # The venv's bin is not always on PATH (python called by full path), and squawk-cli installs its binary there.
    beside = Path(sys.executable).parent / "squawk"
    if beside.exists():
        return str(beside)
    found = shutil.which("squawk")
    if not found:
        sys.exit("squawk not found: `pip install squawk-cli==2.70.0` (it is in the test extra)")
    return found


def drizzle_lsp_command() -> list[str]:
    # `python -m` rather than the console script so the measured interpreter is the venv's, whatever PATH says.
    return [sys.executable, "-m", "drizzle_lsp"]


def bench_env(cache_dir: Path) -> dict[str, str]:
    """The environment for measured Python children: bytecode cached (in a throw-away folder, never in the
    checkout), as it is for an installed package. PYTHONDONTWRITEBYTECODE, if the shell sets it, would make every
    run recompile every module it imports and measure the compiler instead of drizzle-lsp."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache_dir)
    return env


def tool_versions() -> dict[str, str]:
    squawk = subprocess.run([squawk_binary(), "--version"], capture_output=True, text=True).stdout.strip()
    ours = subprocess.run(drizzle_lsp_command() + ["--version"], capture_output=True, text=True).stdout.strip()
    rules = subprocess.run(drizzle_lsp_command() + ["rules"], capture_output=True, text=True).stdout.splitlines()[1:]
    catalogue = [line.split()[0] for line in rules if line.strip() and line.split()[1] != "meta"]
    return {"squawk": squawk, "drizzle-lsp": ours, "rules": str(len(catalogue)), "python": sys.version.split()[0]}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.+)", f.read())
            cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, {sys.platform}"


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile: with ~50 samples an interpolated p95 would invent a value nobody measured."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def write_result(name: str, text: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(text)
    return path


def md_table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
