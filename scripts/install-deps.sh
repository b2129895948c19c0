#!/usr/bin/env bash
# Installs the Debian packages proc-sentry needs to build, run and test.
# Swift itself is expected on PATH (https://www.swift.org/install/linux/).
set -euo pipefail

packages=(
    zlib1g-dev   # gzip for /metrics (compress-nio links zlib)
    prometheus   # promtool and a real Prometheus for the end-to-end tests
    curl         # HTTP client used by the end-to-end tests
    python3      # workload children in the end-to-end tests
    iproute2     # ip: brings up the loopback of a test's own network namespace
    libncursesw5-dev  # sentry-top (ncursesw)
    libcrypt-dev # sentry-exporter: bcrypt for --web.config.file basic_auth_users
    libyaml-dev  # sentry-exporter: reads --web.config.file
    apache2-utils  # htpasswd: bcrypt hashes for the --web.config.file tests
    openssl      # self-signed certificates for the --web.config.file tests
    tmux         # drives sentry-top in the end-to-end tests
    python3-venv # scripts/check-deploy.sh: private venv for hadolint, yamllint, kubernetes-validate
    systemd      # scripts/check-deploy.sh: systemd-analyze verify/security of the unit
    apparmor     # scripts/check-deploy.sh: apparmor_parser compiles deploy/apparmor/sentry-exporter
    podman       # scripts/check-image.sh: builds and runs the container image
    runc         # scripts/check-image.sh: the OCI runtime podman runs it with
    busybox-static  # scripts/check-image.sh: a static program for a busy container of its own
    libcap2-bin  # scripts/check-image.sh: setcap stamps the image's binary
    mandoc       # lints the man pages (scripts/check-man.sh)
    man-db       # man -l renders them
    bsdextrautils  # col, to read rendered pages as plain text
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
    sudo="sudo"
fi
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v swift >/dev/null || { echo "install-deps: swift is not on PATH" >&2; exit 1; }
