#!/usr/bin/env bash
# Checks the release build as Swift users run it (`swift build -c release`, `swift run -c
# release`), then `make install` and `make uninstall` as a packager uses them: a staged install under
# DESTDIR with a custom PREFIX holds exactly the two programs and their man pages, the
# programs run without a Swift toolchain's runtime libraries, and uninstall removes exactly
# what install put there (files of others in the same tree stay).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "check-install: FAIL: $*" >&2; exit 1; }

echo "check-install: swift build -c release, swift run -c release sentry-top --version"
swift build -c release >/dev/null || fail "swift build -c release failed"
version=$(swift run -c release --skip-build sentry-top --version) || fail "swift run -c release sentry-top failed"
[ -n "$version" ] || fail "swift run -c release sentry-top --version printed nothing"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
prefix=/opt/proc-sentry
mkdir -p "$stage$prefix/bin"
touch "$stage$prefix/bin/someone-elses-tool"

echo "check-install: make install DESTDIR=$stage PREFIX=$prefix"
make --no-print-directory install DESTDIR="$stage" PREFIX="$prefix" >/dev/null
installed=$(cd "$stage" && find . -type f | sort)
expected=$(printf '%s\n' \
    ".$prefix/bin/sentry-exporter" ".$prefix/bin/sentry-top" ".$prefix/bin/someone-elses-tool" \
    ".$prefix/share/man/man1/sentry-exporter.1" ".$prefix/share/man/man1/sentry-top.1" | sort)
[ "$installed" = "$expected" ] || fail "installed files differ from the expected:"$'\n'"$installed"

for program in sentry-exporter sentry-top; do
    binary="$stage$prefix/bin/$program"
    [ -x "$binary" ] || fail "$binary is not executable"
    echo "check-install: $program is a static executable (no program interpreter, no shared library)"
    if readelf --program-headers --dynamic "$binary" | grep -E 'INTERP|NEEDED'; then
        fail "$program is dynamically linked"
    fi
    version=$(env -i "$binary" --version) || fail "$program --version failed without a Swift environment"
    [ -n "$version" ] || fail "$program --version printed nothing"
done

echo "check-install: make uninstall DESTDIR=$stage PREFIX=$prefix"
make --no-print-directory uninstall DESTDIR="$stage" PREFIX="$prefix" >/dev/null
remaining=$(cd "$stage" && find . -type f | sort)
[ "$remaining" = ".$prefix/bin/someone-elses-tool" ] || fail "after uninstall:"$'\n'"$remaining"
echo "check-install: ok"
