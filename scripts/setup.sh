#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine: the real Prometheus (promtool),
# Alertmanager, VictoriaMetrics (victoria-metrics, vmagent, vmalert) and Chromium from Debian's packages,
# then the npm dependencies from the lockfile.
# Safe to re-run: packages already present are not reinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
for bin in victoria-metrics vmagent vmalert; do
  command -v "$bin" >/dev/null 2>&1 || need+=(victoria-metrics)
done
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u)
fi

npm ci --no-audit --no-fund
# OpenTelemetry SDK 3 for the Node 24 run lives in its own install (it needs @opentelemetry/api 1.10).
npm ci --no-audit --no-fund --prefix test/otel-sdk3
