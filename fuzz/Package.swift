// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for SentryCore's parsers of untrusted input (issue 6); see README.md.
//
// A separate package, so the main package's `swift build` and `swift test` do not build it.
// Each `fuzz-*` target is one file that defines `LLVMFuzzerTestOneInput` and no `main`; `run.sh`
// builds them with `--sanitize fuzzer --sanitize address`. (A plain `swift build` here builds
// them as no-op binaries.)
//
// SentryCore is the main package's own source directory, reached through the symbolic link
// `Sources/SentryCore -> ../../Sources/SentryCore`, rather than a `.package(path: "..")`
// dependency: the main package exports no SentryCore library product (only its two
// executables), and SentryCore's parsers depend on nothing but the C library and libyaml
// (`CLinux` and `CYAML`, linked the same way, are glibc's headers the Glibc module leaves out,
// and libyaml). Its command-line options (`CollectorOptions.swift`, which needs ArgumentParser)
// are left out, so this package resolves no dependencies at all and works from a fresh clone
// without the package mirror.
let parsers = [
    "stat", "status", "io", "systemstat", "meminfo", "cgroup", "passwd", "nettcp", "sockdiag", "exposition", "cmdline", "mountinfo",
    "yaml",
]

let package = Package(
    name: "proc-sentry-fuzz",
    platforms: [.macOS(.v15)],
    products: parsers.map { .executable(name: "fuzz-\($0)", targets: ["fuzz-\($0)"]) },
    targets: [
        .target(name: "SentryCore", dependencies: ["CLinux", "CYAML"], exclude: ["Configuration/CollectorOptions.swift"]),
        .systemLibrary(name: "CLinux"),
        .systemLibrary(name: "CYAML"),
    ]
        + parsers.map { .executableTarget(name: "fuzz-\($0)", dependencies: ["SentryCore"]) }
)
