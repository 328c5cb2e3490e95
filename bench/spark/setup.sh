#!/usr/bin/env bash
# Sets up the Python environment of `npm run bench -- --compare`: a virtualenv at bench/spark/.venv
# with the pinned DuckDB (bench/compare/requirements.txt, a few MB) and the pinned PySpark
# (bench/spark/requirements.txt, about 320 MB; skipped with --duckdb-only). Idempotent: a second
# run only checks.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
duckdb_req="$here/../compare/requirements.txt"
spark_req="$here/requirements.txt"

fail() {
  echo "bench:setup: $*" >&2
  exit 1
}

duckdb_only=false
for arg in "$@"; do
  case "$arg" in
    --duckdb-only) duckdb_only=true ;;
    *) fail "unknown option $arg (usage: npm run bench:setup [-- --duckdb-only])" ;;
  esac
done

command -v python3 >/dev/null 2>&1 || fail "python3 not found (Python >= 3.9 is needed for duckdb and pyspark 3.5)"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
  fail "python3 is $(python3 --version 2>&1); duckdb and pyspark 3.5 need Python >= 3.9"

if [ "$duckdb_only" = false ] && ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  fail "no java on PATH and JAVA_HOME unset: Spark 3.5 needs Java 8, 11 or 17 (e.g. apt-get install openjdk-17-jre-headless), or run with --duckdb-only"
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "bench:setup: creating $venv" >&2
  python3 -m venv "$venv" ||
    fail "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
fi

# install <requirements> <module> <what>: pip only when the stamp differs from the requirements
# file or the module does not import.
install() {
  local req="$1" module="$2" what="$3"
  local stamp="$venv/.$module.installed"
  local version="import $module; print($module.__version__)"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$req" && "$venv/bin/python" -c "import $module" >/dev/null 2>&1; then
    echo "bench:setup: $module $("$venv/bin/python" -c "$version") already installed in $venv" >&2
    return 0
  fi
  echo "bench:setup: installing $(grep -v '^#' "$req" | tr '\n' ' ')into $venv ($what)…" >&2
  local log
  log="$(mktemp)"
  if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    fail "pip install -r $req failed (see above)"
  fi
  rm -f "$log"
  "$venv/bin/python" -c "import $module" >/dev/null 2>&1 || fail "$module does not import after install"
  cp "$req" "$stamp"
  echo "bench:setup: $module $("$venv/bin/python" -c "$version") ready in $venv" >&2
}

install "$duckdb_req" duckdb "a few MB"
if [ "$duckdb_only" = false ]; then
  install "$spark_req" pyspark "about 320 MB download, a minute or two"
fi
