# syntax=docker/dockerfile:1
# proc-sentry exporter image: a static sentry-exporter on Debian 12 slim.
#
#   docker build -t proc-sentry .
#   docker run -d --name proc-sentry --pid=host --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH \
#       --read-only -p 9105:9105 -v /proc:/host/proc:ro -v /etc/passwd:/host/etc/passwd:ro \
#       proc-sentry --path.procfs=/host/proc --path.passwd=/host/etc/passwd
#
# See DEPLOYMENT.md. Linted by scripts/check-deploy.sh (hadolint); its HEALTHCHECK command is
# run there against a real exporter.

# ---- build ------------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build

# The static libraries linked into the exporter: zlib1g-dev for compress-nio (gzip), libcrypt-dev
# and libyaml-dev for --web.config.file; libncursesw5-dev for the CNcurses system library
# target, which SwiftPM checks even when only sentry-exporter is built; make for the Makefile's
# release build. Unpinned: Debian stable only ships
# fixes, and a pinned version disappears from the archive at the next point release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make zlib1g-dev libncursesw5-dev libcrypt-dev libyaml-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Dependencies in their own layer: a change of the sources does not fetch them again.
COPY Package.swift Makefile ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# The release link lays functions out in this order (Package.swift).
COPY bench/symbol-order/sentry-exporter.txt ./bench/symbol-order/
# Stripped: 45 MB -> 20 MB (measured with Swift 6.3.1); only crash backtraces lose symbol names.
RUN make build PROGRAMS=sentry-exporter \
    && mkdir -p /staging \
    && strip -o /staging/sentry-exporter .build/release/sentry-exporter

# ---- runtime ----------------------------------------------------------------------------------
FROM debian:bookworm-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The binary is static: it needs no library from the image.
#
# Capabilities: a non-root process loses the capabilities the runtime grants (--cap-add,
# securityContext.capabilities.add) when it executes a program, unless that program carries
# them as file capabilities: Docker and Kubernetes set no ambient capabilities. So the binary
# gets cap_sys_ptrace and cap_dac_read_search (/proc/PID/io and /proc/PID/fd of other users are
# mode 0400/0500 and ptrace-checked: both are needed) as file capabilities. This also works with
# no-new-privileges (allowPrivilegeEscalation: false), since the runtime already holds them, but
# both must be in the container's bounding set (--cap-add), or the kernel refuses to start it.
#
# Copied, capability-stamped and checked in one layer (libcap2-bin removed again), so the
# binary is stored once.
# hadolint ignore=DL3008
RUN --mount=type=bind,from=build,source=/staging,target=/staging \
    apt-get update \
    && apt-get install -y --no-install-recommends libcap2-bin \
    && install -m 0755 /staging/sentry-exporter /usr/local/bin/sentry-exporter \
    && setcap cap_sys_ptrace,cap_dac_read_search=ep /usr/local/bin/sentry-exporter \
    && setcap -v cap_sys_ptrace,cap_dac_read_search=ep /usr/local/bin/sentry-exporter \
    && apt-get purge -y --auto-remove libcap2-bin \
    && rm -rf /var/lib/apt/lists/* \
    && /usr/local/bin/sentry-exporter --version

# nobody:nogroup. The exporter writes no file, so a read-only root file system is fine.
USER 65534:65534
EXPOSE 9105

# A real HTTP check without curl (not in the image): bash's /dev/tcp sends HEAD /metrics and
# requires a "200" status line. It assumes the default --web.listen-address (:9105) and
# --web.telemetry-path; with others, override it (docker run --health-cmd ...).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9105 && printf 'HEAD /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && IFS= read -r -t 4 line <&3 && [[ $line == HTTP/1.?' 200 '* ]]"]

ENTRYPOINT ["/usr/local/bin/sentry-exporter"]
