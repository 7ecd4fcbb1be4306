#!/bin/sh
# The dashboard's end-to-end test drives Debian's Chromium (playwright-core never downloads a browser).
# Installs it when missing and this user may; otherwise says so, and that one test is skipped.
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the dashboard test…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
    || echo "could not install chromium: the dashboard test will be skipped"
else
  echo "no /usr/bin/chromium (apt-get install chromium): the dashboard test will be skipped"
fi
exit 0
