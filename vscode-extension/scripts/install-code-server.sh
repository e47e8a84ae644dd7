#!/usr/bin/env bash
# Installs code-server (VS Code in a browser) for the end-to-end test, from the npm registry and Debian packages only.
# The usual ways to get a test VS Code (@vscode/test-electron, @vscode/test-web, code-server's own postinstall) all
# download from servers other than those registries, so each step that would fetch a prebuilt binary is replaced by a
# local build or a Debian package.
#
# Usage: install-code-server.sh [DIR]   (default: $DRIZZLE_LSP_CODE_SERVER_DIR, else ~/.cache/drizzle-lsp-e2e/...)
# Prints the path of the code-server launcher on its last line. Idempotent: a finished install is reused.
set -euo pipefail

# 4.100.3 is VS Code 1.100.3, the last code-server that runs on Node 20.
version=4.100.3
dir=${1:-${DRIZZLE_LSP_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/drizzle-lsp-e2e/code-server-$version}}
launcher=$dir/node_modules/code-server/out/node/entry.js
stamp=$dir/.installed

say() { echo "install-code-server: $*" >&2; }

if [ -f "$stamp" ] && [ -f "$launcher" ]; then
  say "reusing $dir"
  echo "$launcher"
  exit 0
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != 20 ]; then
  say "warning: code-server $version is tested here on Node 20, this is Node $node_major"
fi

# Native modules (argon2, node-pty, kerberos, @vscode/spdlog, native-keymap...) are compiled here instead of downloaded.
debs="build-essential pkg-config python3 libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep"
missing=""
for deb in $debs; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q 'ok installed' || missing="$missing $deb"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null
  else
    say "missing Debian packages:$missing (run: sudo apt-get install$missing)"
    exit 2
  fi
fi

export npm_config_yes=true npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"name":"drizzle-lsp-e2e-code-server","private":true}' > package.json

say "npm install code-server@$version (scripts off: its postinstall downloads)"
npm install --no-save --ignore-scripts --loglevel=error "code-server@$version" >&2
# argon2's install script tries a prebuilt download first; a rebuild compiles it from source.
npm rebuild argon2 --loglevel=error >&2

vscode=$dir/node_modules/code-server/lib/vscode
cd "$vscode"
say "npm install in lib/vscode"
npm install --omit=dev --ignore-scripts --loglevel=error >&2
# @vscode/ripgrep's postinstall downloads rg from GitHub unless bin/ already exists: give it Debian's.
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
say "compiling VS Code's native modules"
npm rebuild --loglevel=error >&2

# What code-server's postinstall.sh would do after that.
ln -sfn node_modules node_modules.asar
ln -sf code-linux.sh bin/remote-cli/code-server
ln -sf browser-linux.sh bin/helpers/browser.sh
say "npm install in lib/vscode/extensions (built-in extensions' dependencies)"
(cd extensions && npm install --omit=dev --loglevel=error >&2)

touch "$stamp"
say "installed in $dir"
echo "$launcher"
