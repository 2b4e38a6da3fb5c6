#!/usr/bin/env bash
# Debian packages the test suite needs, installed only when missing (idempotent):
#   chromium + chromium-driver  for the browser check of the report site (tests/test_browser.py);
#   a Java 17 runtime           for the local Spark session of the scale tests (tests/test_scale_spark.py).
# Nothing is ever downloaded at test time; browsers and the JVM come from Debian's registry only.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)

if [ ${#missing[@]} -eq 0 ]; then
    echo "system-deps.sh: chromium, chromedriver and java already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "system-deps.sh: installed ${missing[*]}"
