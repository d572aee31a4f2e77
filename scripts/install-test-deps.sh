#!/usr/bin/env bash
# Installs what the test suite needs on a Debian machine, from Debian's packages and the npm registry
# (nothing downloads a browser):
# - Chromium and its matching chromedriver;
# - Firefox ESR, driven over WebDriver BiDi by puppeteer-core (demo-app/src/test/node, `npm ci`);
# - WebKitGTK's WebKitWebDriver and MiniBrowser, the Xvfb display they run on, and the GStreamer plugins
#   WebKit decodes and records media with (-bad has the H.264/VP9/Opus parsers its MediaSource uses, -gl
#   its video sink; WebKit only recommends them, and a machine set to skip Recommends would miss them);
# - redis-server (relay-redis's cluster tests start their own on a free loopback port; the package's
#   service is not used);
# - ffmpeg and mkvtoolnix (the recording tests read recorded files with ffprobe, ffmpeg and mkvinfo).
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || need+=(firefox-esr)
command -v WebKitWebDriver >/dev/null 2>&1 || need+=(webkit2gtk-driver)
command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
command -v xauth >/dev/null 2>&1 || need+=(xauth)
for p in gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav \
    gstreamer1.0-gl; do
  have_pkg "$p" || need+=("$p")
done
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v mkvinfo >/dev/null 2>&1 || need+=(mkvtoolnix)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing ${need[*]}: run as root, or: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "Installing ${need[*]} from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
# puppeteer-core only (no browser download), exactly as locked; again when the pinned version changed.
node_dir=demo-app/src/test/node
if ! (cd "$node_dir" && node -e '
    const want = require("./package.json").dependencies["puppeteer-core"];
    process.exit(require("./node_modules/puppeteer-core/package.json").version === want ? 0 : 1)' 2>/dev/null); then
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
chromium --version 2>/dev/null | grep -v "unexpected operator" || true
chromedriver --version
firefox-esr --version
echo "WebKitGTK $(dpkg-query -W -f='${Version}' webkit2gtk-driver)"
node --version
redis-server --version
ffprobe -version | sed -n 1p
mkvinfo --version
