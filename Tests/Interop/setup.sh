#!/usr/bin/env bash
# Makes .venv at the repository root with the pinned SDKs, once (again when
# requirements.txt changes). Never installs anything system-wide.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv"
stamp="$venv/.requirements"
want="$(sha256sum "$root/Tests/Interop/requirements.txt" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then exit 0; fi
if ! python3 -m venv --help >/dev/null 2>&1; then
  echo "python3 venv is missing: install Debian's python3-venv (apt-get install python3-venv)" >&2
  exit 1
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/Tests/Interop/requirements.txt"
echo "$want" > "$stamp"
