#!/usr/bin/env bash
# Installs everything this project needs on a fresh Debian 12 machine with Node 20 (run as root):
# Debian packages, npm packages, the build, and the kubectl binaries the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  # The servers and clients the tests start or drive: nats-server (multi-edge transport), prometheus/promtool
  # (observability), ffmpeg (camera input), the Python Kubernetes client and the Python web stack (workers of the
  # original lib's shape), chromium and firefox-esr (the web console's end-to-end tests).
  apt_packages=(openssl unzip iproute2 dataset-fashion-mnist python3-numpy chromium firefox-esr
    nats-server prometheus ffmpeg python3-kubernetes python3-fastapi python3-uvicorn python3-websockets python3-requests
    fonts-dejavu-core)
  missing=()
  for p in "${apt_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # Debian's kubectl 1.20 (package kubernetes-client) for the old-client tests, unpacked beside the project so it
  # cannot clash with another kubectl on the machine.
  old_kubectl=node_modules/.cache/sedna-kubectl-v120/usr/bin/kubectl
  if [ ! -x "$old_kubectl" ]; then
    tmp=$(mktemp -d)
    if (cd "$tmp" && apt-get download kubernetes-client >/dev/null 2>&1); then
      mkdir -p node_modules/.cache/sedna-kubectl-v120
      dpkg-deb -x "$tmp"/kubernetes-client_*.deb node_modules/.cache/sedna-kubectl-v120
    else
      echo "note: could not download Debian's kubernetes-client; the kubectl 1.20 check will be skipped"
    fi
    rm -rf "$tmp"
  fi
fi

echo "==> npm ci"
npm ci --no-audit --no-fund
# npm ci recreated node_modules: unpack kubectl 1.20 again if it was removed with it.
if [ ! -x node_modules/.cache/sedna-kubectl-v120/usr/bin/kubectl ] && command -v apt-get >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download kubernetes-client >/dev/null 2>&1) && mkdir -p node_modules/.cache/sedna-kubectl-v120 && dpkg-deb -x "$tmp"/kubernetes-client_*.deb node_modules/.cache/sedna-kubectl-v120 || true
  rm -rf "$tmp"
fi
echo "==> build"
npm run build
