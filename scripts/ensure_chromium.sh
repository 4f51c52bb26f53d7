#!/usr/bin/env bash
# Browser tests need Debian's chromium (playwright's own browser download is not reachable here).
# Installs it when missing and we are root; otherwise says loudly why browser tests will skip.
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing chromium for the browser tests (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "WARNING: chromium could not be installed: browser tests will be SKIPPED" >&2
else
    echo "WARNING: /usr/bin/chromium missing and not root: browser tests will be SKIPPED" >&2
fi
exit 0
