"""Starts the drizzle-lsp shipped inside the extension: ``python -I launch.py serve`` (or ``check``, ``explain``...).

The libraries live next to this file, in ``../libs/common`` (pure Python, shared) and ``../libs/cpXY`` (the native
wheels, tree-sitter and libpg_query, built for one CPython version each). They go first on ``sys.path`` so a
drizzle-lsp or pygls installed in the user's own environment can never shadow the bundled ones.
"""

import os
import sys

libs = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "libs")
tag = "cp%d%d" % sys.version_info[:2]
if not os.path.isdir(os.path.join(libs, tag)):
    built = sorted(name for name in os.listdir(libs) if name.startswith("cp")) if os.path.isdir(libs) else []
    sys.stderr.write(
        "drizzle-lsp: the bundled server has no libraries for Python %d.%d (built for: %s)\n"
        % (sys.version_info[0], sys.version_info[1], ", ".join(built) or "none")
    )
    sys.exit(3)
sys.path[0:0] = [os.path.join(libs, tag), os.path.join(libs, "common")]

from drizzle_lsp.cli.main import main  # noqa: E402 - the path above must be set first

sys.exit(main())
