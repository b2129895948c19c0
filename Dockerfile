# syntax=docker/dockerfile:1
# proc-sentry exporter image: the static sentry-exporter alone, on an empty (scratch) base.
#
#   docker build -t proc-sentry .
#   docker run -d --name proc-sentry --pid=host --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH \
#       --read-only -p 9105:9105 -v /proc:/host/proc:ro -v /etc/passwd:/host/etc/passwd:ro \
#       proc-sentry --path.procfs=/host/proc --path.passwd=/host/etc/passwd
#
# See DEPLOYMENT.md. Linted by scripts/check-deploy.sh (hadolint); built and run with podman by
# scripts/check-image.sh.
#
# The binary comes from the `compile` stage (the default: one `docker build .` builds everything)
# or, with `--build-arg EXPORTER_FROM=prebuilt`, from `prebuilt/sentry-exporter` in the build
# context, already stripped and capability-stamped (what scripts/check-image.sh does, where no
# Swift image can be pulled). Builders that skip unused stages (BuildKit, buildah) then neither
# pull the Swift image nor compile.
ARG EXPORTER_FROM=compiled

# ---- compile ----------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS compile

# The static libraries linked into the exporter: zlib1g-dev for compress-nio (gzip), libcrypt-dev
# and libyaml-dev for --web.config.file; libncursesw5-dev for the CNcurses system library
# target, which SwiftPM checks even when only sentry-exporter is built; make for the Makefile's
# release build; libcap2-bin for setcap. Unpinned: Debian stable only ships fixes, and a pinned
# version disappears from the archive at the next point release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make zlib1g-dev libncursesw5-dev libcrypt-dev libyaml-dev libcap2-bin \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Dependencies in their own layer: a change of the sources does not fetch them again.
COPY Package.swift Makefile ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# The release link lays functions out in this order (Package.swift).
COPY bench/symbol-order/sentry-exporter.txt ./bench/symbol-order/
# Stripped (only crash backtraces lose symbol names; README, "Container image", has the sizes).
#
# Capabilities: a non-root process loses the capabilities the runtime grants (--cap-add,
# securityContext.capabilities.add) when it executes a program, unless that program carries
# them as file capabilities: Docker and Kubernetes set no ambient capabilities. So the binary
# gets cap_sys_ptrace and cap_dac_read_search (/proc/PID/io and /proc/PID/fd of other users are
# mode 0400/0500 and ptrace-checked: both are needed) as file capabilities, which COPY keeps
# (an extended attribute in the layer). This also works with no-new-privileges
# (allowPrivilegeEscalation: false), since the runtime already holds them, but both must be in
# the container's bounding set (--cap-add), or the kernel refuses to start it.
RUN make build PROGRAMS=sentry-exporter \
    && mkdir -p /staging \
    && strip -o /staging/sentry-exporter .build/release/sentry-exporter \
    && setcap cap_sys_ptrace,cap_dac_read_search=ep /staging/sentry-exporter \
    && setcap -v cap_sys_ptrace,cap_dac_read_search=ep /staging/sentry-exporter \
    && /staging/sentry-exporter --version

FROM scratch AS compiled
COPY --from=compile /staging/sentry-exporter /sentry-exporter

FROM scratch AS prebuilt
COPY prebuilt/sentry-exporter /sentry-exporter

# hadolint ignore=DL3006
FROM ${EXPORTER_FROM} AS exporter

# ---- image ------------------------------------------------------------------------------------
# Nothing but the binary: it is static and reads only what it is given (/proc, a passwd file,
# its configuration files).
FROM scratch
COPY --from=exporter /sentry-exporter /sentry-exporter

# nobody:nogroup, by number (scratch has no /etc/passwd). The exporter writes no file, so a
# read-only root file system is fine.
USER 65534:65534
EXPOSE 9105

# The exporter checks itself (no shell or curl here): GET its telemetry path on the default
# --web.listen-address (:9105) and --web.telemetry-path. Run with other ones, override it
# (docker run --health-cmd '/sentry-exporter --health-check --web.listen-address=:9200'), and
# with --web.config.file pass the file to the check too (DEPLOYMENT.md, "Health check").
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/sentry-exporter", "--health-check"]

ENTRYPOINT ["/sentry-exporter"]
