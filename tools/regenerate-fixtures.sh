#!/usr/bin/env bash
# Regenerate the corpus of real drizzle-kit output (tests/fixtures/corpus/*) and the
# example project's migrations (examples/saas) by replaying each case's schema steps
# through the pinned drizzle-kit in tools/drizzle-kit.
#
# Usage (from anywhere; paths are resolved against the repository root):
#   tools/regenerate-fixtures.sh                 # every corpus case + examples/saas
#   tools/regenerate-fixtures.sh tests/fixtures/corpus/03-sqlite-notes   # only these cases
#
# Needs Node 20+ and `script` (util-linux). Installs tools/drizzle-kit with `npm ci`
# if its node_modules is missing.
#
# Case layout (see tests/fixtures/corpus/README.md):
#   <case>/drizzle.config.ts     config, run from the case folder (out must be ./drizzle)
#   <case>/steps/schema-dir      optional: folder the steps are copied into (default: schema)
#   <case>/steps/N/...           full schema files of step N (1 = initial schema)
#   <case>/steps/N/answers       optional: one line per rename prompt drizzle-kit asks in
#                                that step, in order: the 0-based position of the option to
#                                pick (0 = "create", 1 = first "rename from" candidate, ...),
#                                anything after '#' is a comment.
#   <case>/schema/               = the last step (written by this script)
#   <case>/drizzle/              generated migrations (written by this script)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/tools/drizzle-kit"
DK="$TOOLS/node_modules/.bin/drizzle-kit"

die() { echo "regenerate-fixtures: error: $*" >&2; exit 1; }

command -v node >/dev/null || die "node is required (Node 20+)"
command -v script >/dev/null || die "'script' (util-linux) is required to answer drizzle-kit's rename prompts"

if [[ ! -x "$DK" ]]; then
  echo "installing pinned drizzle-kit into tools/drizzle-kit ..."
  npm ci --prefix "$TOOLS" --no-audit --no-fund
fi
# Schemas and configs import drizzle-orm / drizzle-kit; resolve them from tools/drizzle-kit.
export NODE_PATH="$TOOLS/node_modules"
export FORCE_COLOR=0 NO_COLOR=1

PROMPT_RE='renamed from another'
strip_ansi() { sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'; }

# Run `drizzle-kit generate` in the current folder under a pseudo-terminal, answering the
# rename prompts with the positions listed in the answers file ($1, may be empty).
run_generate() {
  local answers_file="$1" log="$2"
  local -a answers=()
  if [[ -n "$answers_file" && -f "$answers_file" ]]; then
    local line
    while IFS= read -r line || [[ -n "$line" ]]; do
      line="${line%%#*}"; line="${line//[[:space:]]/}"
      [[ -z "$line" ]] && continue
      [[ "$line" =~ ^[0-9]+$ ]] || die "$answers_file: expected a number per line, got '$line'"
      answers+=("$line")
    done <"$answers_file"
  fi

  local tmp; tmp="$(mktemp -d)"
  mkfifo "$tmp/in"
  : >"$log"
  timeout 120 script -qfec "'$DK' generate --config drizzle.config.ts" /dev/null <"$tmp/in" >"$log" 2>&1 &
  local pid=$!
  exec 3>"$tmp/in"

  local offset=0 a i waited size prev
  for a in "${answers[@]}"; do
    # wait for a prompt printed after $offset, then for the output to settle
    waited=0
    until tail -c +"$((offset + 1))" "$log" | grep -q "$PROMPT_RE"; do
      kill -0 "$pid" 2>/dev/null || { exec 3>&-; wait "$pid" || true; cat "$log" >&2; die "drizzle-kit ended before asking for answer '$a' ($answers_file)"; }
      sleep 0.1; waited=$((waited + 1))
      ((waited < 600)) || { exec 3>&-; kill "$pid" || true; die "timed out waiting for a rename prompt ($answers_file)"; }
    done
    prev=-1; size="$(stat -c %s "$log")"
    while [[ "$size" != "$prev" ]]; do sleep 0.3; prev="$size"; size="$(stat -c %s "$log")"; done
    for ((i = 0; i < a; i++)); do printf '\033[B' >&3; sleep 0.1; done
    sleep 0.3
    # show the question and the option about to be picked
    tail -c +"$((offset + 1))" "$log" | strip_ansi | tr -d '\r' \
      | awk -v a="$a" '/renamed from another/ { q = $0 } /\xe2\x9d\xaf/ { sel = $0 } END { sub(/^ +/, "", q); printf "     %s -> [%s]%s\n", q, a, sel }'
    offset="$(stat -c %s "$log")"
    printf '\r' >&3
  done
  # Give drizzle-kit the time to ask a prompt we have no answer for, then close stdin.
  sleep 0.5
  if tail -c +"$((offset + 1))" "$log" | grep -q "$PROMPT_RE"; then
    exec 3>&-; kill "$pid" 2>/dev/null || true; wait "$pid" || true
    sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$log" >&2
    die "drizzle-kit asked a rename prompt that has no answer in ${answers_file:-<no answers file>}"
  fi
  exec 3>&-
  local rc=0
  wait "$pid" || rc=$?
  rm -rf "$tmp"
  if ((rc != 0)); then
    sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$log" >&2
    die "drizzle-kit generate failed (exit $rc)"
  fi
  if tail -c +"$((offset + 1))" "$log" | grep -q "$PROMPT_RE"; then
    sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$log" >&2
    die "drizzle-kit asked a rename prompt that has no answer in ${answers_file:-<no answers file>}"
  fi
}

count_sql() { if [[ -d drizzle ]]; then find drizzle -maxdepth 1 -name '*.sql' | wc -l; else echo 0; fi; }

regenerate_case() {
  local case_dir="$1"
  [[ -d "$case_dir/steps/1" ]] || die "$case_dir: no steps/1"
  [[ -f "$case_dir/drizzle.config.ts" ]] || die "$case_dir: no drizzle.config.ts"
  local schema_dir="schema"
  [[ -f "$case_dir/steps/schema-dir" ]] && schema_dir="$(tr -d '[:space:]' <"$case_dir/steps/schema-dir")"
  [[ "$schema_dir" != /* && "$schema_dir" != *..* && -n "$schema_dir" ]] || die "$case_dir: bad steps/schema-dir"

  echo "== ${case_dir#"$ROOT"/}"
  (
    cd "$case_dir"
    rm -rf drizzle "$schema_dir"
    local n=1 before after log
    log="$(mktemp)"
    while [[ -d "steps/$n" ]]; do
      mkdir -p "$schema_dir"
      find "$schema_dir" -mindepth 1 -delete
      cp -R "steps/$n/." "$schema_dir/"
      rm -f "$schema_dir/answers"
      # timestamp-style prefixes have one-second resolution: keep tags distinct
      if grep -q "prefix" drizzle.config.ts && ((n > 1)); then sleep 1.1; fi
      before="$(count_sql)"
      run_generate "steps/$n/answers" "$log"
      after="$(count_sql)"
      if ((after != before + 1)); then
        sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$log" >&2
        die "${case_dir#"$ROOT"/}: step $n produced $((after - before)) new migrations (expected 1)"
      fi
      echo "   step $n -> $(find drizzle -maxdepth 1 -name '*.sql' -printf '%f\n' | sort | tail -1)"
      n=$((n + 1))
    done
    rm -f "$log"
  )
}

cases=()
if (($# > 0)); then
  for c in "$@"; do
    [[ "$c" = /* ]] || c="$PWD/$c"
    cases+=("$(cd "$c" && pwd)")
  done
else
  for c in "$ROOT"/tests/fixtures/corpus/*/; do
    [[ -d "$c/steps" ]] && cases+=("${c%/}")
  done
  [[ -d "$ROOT/examples/saas/steps" ]] && cases+=("$ROOT/examples/saas")
fi
((${#cases[@]} > 0)) || die "no cases found"

for c in "${cases[@]}"; do regenerate_case "$c"; done
echo "regenerated ${#cases[@]} case(s)"
