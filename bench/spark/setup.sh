#!/usr/bin/env bash
# Sets up the PySpark environment for the notebook-baseline benchmark (`npm run bench -- --compare`):
# a virtualenv at bench/spark/.venv with the pinned pyspark. Idempotent: a second run only checks.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.installed"

fail() {
  echo "bench:setup: $*" >&2
  exit 1
}

command -v python3 >/dev/null 2>&1 || fail "python3 not found (Python >= 3.8 is needed for pyspark 3.5)"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' ||
  fail "python3 is $(python3 --version 2>&1); pyspark 3.5 needs Python >= 3.8"

if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  fail "no java on PATH and JAVA_HOME unset: Spark 3.5 needs Java 8, 11 or 17 (e.g. apt-get install openjdk-17-jre-headless)"
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "bench:setup: creating $venv" >&2
  python3 -m venv "$venv" ||
    fail "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
fi

# Skip pip when the installed requirements match this requirements.txt and pyspark imports.
if [ -f "$stamp" ] && cmp -s "$stamp" "$req" && "$venv/bin/python" -c 'import pyspark' >/dev/null 2>&1; then
  echo "bench:setup: pyspark $("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)') already installed in $venv" >&2
  exit 0
fi

echo "bench:setup: installing $(grep -v '^#' "$req" | tr '\n' ' ')into $venv (about 320 MB download, a minute or two)…" >&2
log="$(mktemp)"
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  fail "pip install -r $req failed (see above)"
fi
rm -f "$log"
"$venv/bin/python" -c 'import pyspark' >/dev/null 2>&1 || fail "pyspark does not import after install"
cp "$req" "$stamp"
echo "bench:setup: pyspark $("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)') ready in $venv" >&2
