#!/usr/bin/env bash
# Creates .venv with the pinned Python test tools (moto server, cfn-lint) on first use, and
# again whenever requirements-dev.txt changes. Idempotent and quiet when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/moto_server ]; then
  exit 0
fi
echo "ensure-venv: installing requirements-dev.txt into .venv (first run only)" >&2
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt >&2
echo "$want" > "$stamp"
