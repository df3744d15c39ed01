#!/usr/bin/env bash
# Install Debian's chromium and chromium-driver for the headless browser test of the FiftyOne App
# (tests/test_analysis.py). Idempotent: returns at once when both are already installed.
# Needs root (or sudo) and the Debian package mirrors; exits non-zero with a message when it cannot install.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  echo "chromium and chromium-driver already installed: $(chromium --version 2>/dev/null || true)"; exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install_browser.sh: need root or sudo to apt-get install chromium" >&2; exit 1; }
  SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "installing chromium and chromium-driver with apt-get (about a minute)..."
if ! { $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq &&
       $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium chromium-driver; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2; echo "install_browser.sh: apt-get could not install chromium chromium-driver" >&2; exit 1
fi
echo "installed: $(chromium --version 2>/dev/null) / $(chromedriver --version 2>/dev/null)"
