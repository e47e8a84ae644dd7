"""Puts drizzle-lsp and its dependencies, as installed libraries for one VS Code target, into ``bundled/libs``.

    python3 scripts/bundle_server.py --target linux-x64 [--python 3.10 3.11 ...]

tree-sitter and postgast (libpg_query) ship native wheels per CPython version (cp310, cp311, ...), not abi3, so the
libraries are installed once per Python version and split into ``libs/common`` (top-level packages identical for
every version) and ``libs/cpXY`` (the rest). ``bundled/tool/launch.py`` puts both on sys.path. A package is moved to
``common`` only whole: a package split across two sys.path entries would not import.

Only pip and the package index are used; nothing is compiled (``--only-binary=:all:``).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXTENSION = Path(__file__).resolve().parent.parent
REPOSITORY = EXTENSION.parent
BUNDLED = EXTENSION / "bundled"

# vsce target -> the wheel platform tags pip may take for it. pip does not widen an explicit --platform to the
# older manylinux/macOS releases, so each accepted one is listed.
PLATFORMS = {
    "linux-x64": ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64", "manylinux1_x86_64",
                  "manylinux_2_5_x86_64"],
    "linux-arm64": ["manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64"],
    "darwin-x64": ["macosx_10_9_x86_64", "macosx_10_13_x86_64", "macosx_11_0_x86_64", "macosx_10_9_universal2",
                   "macosx_11_0_universal2"],
    "darwin-arm64": ["macosx_11_0_arm64", "macosx_10_9_universal2", "macosx_11_0_universal2"],
    "win32-x64": ["win_amd64"],
}
PYTHONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]
# What environment markers see on each target (PEP 508), besides the Python version.
MARKER_PLATFORM = {
    "linux-x64": {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix"},
    "linux-arm64": {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64",
                    "os_name": "posix"},
    "darwin-x64": {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "x86_64",
                   "os_name": "posix"},
    "darwin-arm64": {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64",
                     "os_name": "posix"},
    "win32-x64": {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64", "os_name": "nt"},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, choices=sorted(PLATFORMS))
    parser.add_argument("--python", nargs="+", default=PYTHONS, help="CPython versions to bundle (default: %(default)s)")
    parser.add_argument("--pip", default=sys.executable, help="Python whose pip does the downloads (default: this one)")
    args = parser.parse_args()

    libs = BUNDLED / "libs"
    with tempfile.TemporaryDirectory(prefix="drizzle-lsp-bundle-") as temp:
        work = Path(temp)
        wheel = build_wheel(args.pip, work / "wheel")
        per_version = {}
        for version in args.python:
            tag = "cp" + version.replace(".", "")
            target = work / tag
            print(f"bundle: installing {wheel.name}[lsp] for CPython {version} on {args.target}", file=sys.stderr)
            install = [
                "install", "--quiet", "--disable-pip-version-check", "--no-compile", "--no-warn-script-location",
                "--only-binary=:all:", "--implementation", "cp", "--python-version", version, "--abi", tag,
                "--abi", "abi3", "--abi", "none", *[f"--platform={p}" for p in PLATFORMS[args.target]],
                "--platform=any", "--target", str(target),
            ]
            pip(args.pip, *install, f"{wheel}[lsp]")
            # pip evaluates environment markers against the Python running it, not --python-version: on 3.10 it
            # would leave out tomli and exceptiongroup (needed below 3.11). Add what the target's markers ask for.
            for _ in range(5):
                missing = missing_requirements(target, version, args.target)
                if not missing:
                    break
                print(f"bundle: adding for CPython {version}: {', '.join(missing)}", file=sys.stderr)
                pip(args.pip, *install, *missing)
            else:
                raise SystemExit(f"bundle: the dependencies for CPython {version} do not settle")
            # Console scripts carry the build machine's interpreter path in their shebang; the launcher replaces them.
            shutil.rmtree(target / "bin", ignore_errors=True)
            per_version[tag] = target
        if libs.exists():
            shutil.rmtree(libs)
        libs.mkdir(parents=True)
        split(per_version, libs)
    version = server_version()
    manifest = {"server": version, "python": args.python, "target": args.target}
    (BUNDLED / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    size = sum(f.stat().st_size for f in libs.rglob("*") if f.is_file())
    print(f"bundle: drizzle-lsp {version} for {args.target}, Python {', '.join(args.python)}: "
          f"{size / 1e6:.1f} MB in {libs.relative_to(EXTENSION)}", file=sys.stderr)
    return 0


def missing_requirements(target: Path, version: str, platform: str) -> list[str]:
    try:
        from packaging.markers import default_environment
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
    except ImportError:  # pip always carries a copy
        from pip._vendor.packaging.markers import default_environment
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.utils import canonicalize_name

    environment = {
        **default_environment(), **MARKER_PLATFORM[platform], "python_version": version,
        "python_full_version": f"{version}.0", "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    installed = {}
    for info in target.glob("*.dist-info"):
        metadata = (info / "METADATA").read_text(encoding="utf-8")
        name = next(line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Name:"))
        installed[canonicalize_name(name)] = metadata
    missing = []
    for name, metadata in installed.items():
        extras = ["lsp"] if name == "drizzle-lsp" else [""]
        for line in metadata.splitlines():
            if not line.startswith("Requires-Dist:"):
                continue
            requirement = Requirement(line.split(":", 1)[1].strip())
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({**environment, "extra": extra}) for extra in extras
            )
            if wanted and canonicalize_name(requirement.name) not in installed:
                requirement.marker = None
                missing.append(str(requirement))
    return sorted(set(missing))


def pip(python: str, *args: str) -> None:
    env = {**os.environ, "PIP_NO_INPUT": "1"}
    subprocess.run([python, "-m", "pip", *args], check=True, env=env)


def build_wheel(python: str, out: Path) -> Path:
    pip(python, "wheel", "--quiet", "--disable-pip-version-check", "--no-deps", "--wheel-dir", str(out),
        str(REPOSITORY))
    wheels = sorted(out.glob("drizzle_lsp-*.whl"))
    if not wheels:
        raise SystemExit("bundle: pip wheel produced no drizzle_lsp wheel")
    return wheels[-1]


def split(per_version: dict[str, Path], libs: Path) -> None:
    first = next(iter(per_version.values()))
    common = libs / "common"
    common.mkdir()
    shared = [
        entry.name for entry in sorted(first.iterdir())
        if all(same((tree / entry.name), entry) for tree in per_version.values())
    ]
    for name in shared:
        shutil.move(str(first / name), str(common / name))
        for tree in per_version.values():
            if (tree / name).exists():
                remove(tree / name)
    for tag, tree in per_version.items():
        shutil.move(str(tree), str(libs / tag))


def same(a: Path, b: Path) -> bool:
    if not a.exists():
        return False
    if a.is_file() or b.is_file():
        return a.is_file() and b.is_file() and filecmp.cmp(a, b, shallow=False)
    compared = filecmp.dircmp(a, b)
    if compared.left_only or compared.right_only or compared.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, compared.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(same(a / sub, b / sub) for sub in compared.common_dirs)


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def server_version() -> str:
    namespace: dict[str, str] = {}
    exec((REPOSITORY / "server" / "drizzle_lsp" / "__init__.py").read_text(), namespace)
    return namespace["__version__"]


if __name__ == "__main__":
    raise SystemExit(main())
