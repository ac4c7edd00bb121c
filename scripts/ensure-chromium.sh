#!/usr/bin/env bash
# Makes sure a headless Chromium is there for the HTML report test (test/report/html-render.test.ts)
# and prints its path: $CHROMIUM if set, else chromium or chromium-browser on the PATH, else it
# installs Debian's chromium package with apt-get (as root, or through passwordless sudo).
# Idempotent and quiet when the browser is there; exits 1, saying why, when it cannot get one.
set -euo pipefail

find_browser() {
  local b candidates=(chromium chromium-browser)
  [ -n "${CHROMIUM:-}" ] && candidates=("$CHROMIUM")
  for b in "${candidates[@]}"; do
    if command -v "$b" >/dev/null 2>&1; then
      command -v "$b"
      return 0
    fi
  done
  return 1
}

if find_browser; then exit 0; fi
if [ -n "${CHROMIUM:-}" ]; then
  echo "ensure-chromium: CHROMIUM=$CHROMIUM is not an executable" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no chromium on the PATH and no apt-get to install it: install Chromium and set CHROMIUM=/path/to/chromium" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "ensure-chromium: no chromium on the PATH, and installing it needs root: run 'apt-get install -y chromium' as root, or set CHROMIUM=/path/to/chromium" >&2
    exit 1
  fi
fi
echo "ensure-chromium: installing Debian's chromium package (first run only)" >&2
${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
if ! find_browser; then
  echo "ensure-chromium: the chromium package is installed but no chromium is on the PATH" >&2
  exit 1
fi
