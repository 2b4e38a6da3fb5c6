#!/usr/bin/env bash
# Install headless Chromium and its WebDriver from Debian packages when missing.
# Idempotent: does nothing when both binaries are already on the machine.
# The browser test (tests/test_browser.py) drives /usr/bin/chromium through these;
# nothing is ever downloaded at test time.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "browser.sh: $(chromium --version 2>/dev/null) and chromedriver already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-dejavu-core
echo "browser.sh: installed $(chromium --version 2>/dev/null)"
