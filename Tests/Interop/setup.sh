#!/usr/bin/env bash
# Makes a virtualenv with pinned packages, once (again when the requirements
# change). Never installs anything system-wide.
#   setup.sh                      .venv with Tests/Interop/requirements.txt (the SDKs)
#   setup.sh REQUIREMENTS VENV    another set, e.g. Benchmarks/requirements.txt .venv-bench
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
requirements="${1:-$root/Tests/Interop/requirements.txt}"
venv="${2:-$root/.venv}"
stamp="$venv/.requirements"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then exit 0; fi
if ! python3 -m venv --help >/dev/null 2>&1; then
  echo "python3 venv is missing: install Debian's python3-venv (apt-get install python3-venv)" >&2
  exit 1
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
echo "$want" > "$stamp"
