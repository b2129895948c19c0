// swift-tools-version:6.0
import PackageDescription

/// Release links of the two programs: static executables, laid out for a small resident set.
///
/// Static (the C and C++ libraries and ncursesw, zlib, libcrypt and libyaml linked in, as a Go
/// exporter is): the binaries run on any x86-64 Linux, and the loader maps, relocates and
/// searches no shared library, whose pages would otherwise stay resident in every run. The
/// functions a run of each program executes are laid out together, in its own list
/// (`bench/symbol-order/PROGRAM.txt`, made by `bench/symbol-order.sh`), so the kernel's 64 KiB
/// fault-around maps few pages of code beyond them; names a list has and the binary lacks are
/// ignored (so a stale list costs memory, not correctness; `scripts/check-bench.sh` says how
/// much of each still matches). One list per program: the exporter's NIO code, which sentry-top
/// links too for `--prometheus`, must not sit among the functions sentry-top's local mode runs.
/// README, "Performance", has what each of these measured.
///
/// `PROC_SENTRY_LINK=dynamic` in the environment links the C libraries as shared ones instead,
/// for tools that interpose on them with `LD_PRELOAD`, which a static executable does not load
/// (bench/run.sh counts allocations so).
let linksStatically = Context.environment["PROC_SENTRY_LINK"] != "dynamic"
func leanReleaseLink(_ program: String) -> [LinkerSetting] {
    let symbolOrder = String(#filePath.dropLast("Package.swift".count)) + "bench/symbol-order/\(program).txt"
    return [
        .unsafeFlags(
            ["-use-ld=lld"] + (linksStatically ? ["-static-executable"] : [])
                + ["-Xlinker", "--symbol-ordering-file=\(symbolOrder)", "-Xlinker", "--no-warn-symbol-ordering"],
            .when(platforms: [.linux], configuration: .release))
    ] + foundationArchives
}
let foundationArchives: [LinkerSetting] = linksStatically ? [
    // FoundationEssentials needs these archives for what the programs use of it (URL in
    // AsyncHTTPClient, FileManager in SentryCore's configuration files), and a static link has
    // no autolink entries of the toolchain's archives to name them.
    .linkedLibrary("_FoundationCollections", .when(platforms: [.linux], configuration: .release)),
    .linkedLibrary("_FoundationCShims", .when(platforms: [.linux], configuration: .release)),
    .linkedLibrary("swiftSynchronization", .when(platforms: [.linux], configuration: .release)),
] : []

/// Each function in its own section, so the symbol order above can move just the executed ones
/// of our own modules (a module's other functions stay out of the pages the programs touch).
let functionSections: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-function-sections"], .when(platforms: [.linux], configuration: .release))
]

let package = Package(
    name: "proc-sentry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sentry-exporter", targets: ["sentry-exporter"]),
        .executable(name: "sentry-top", targets: ["sentry-top"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // MARK: - Targets

        /// Scanning /proc, rates, Top N selection, user and container resolution, exposition,
        /// the configuration files' YAML, and the collector's command-line options. Depends on
        /// nothing but the C library, libyaml and ArgumentParser (for those options), so both
        /// programs share exactly one collector, configured by the same flags.
        .target(
            name: "SentryCore",
            dependencies: ["CLinux", "CYAML", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: functionSections),

        /// What the Glibc module leaves out: `malloc.h` (for `HeapTuning`), `fstatfs` and the
        /// filesystem magic numbers (for `ProcFS.isLive`).
        .systemLibrary(name: "CLinux"),

        /// ncursesw, with a shim for the macros and globals Swift cannot import.
        .systemLibrary(name: "CNcurses", providers: [.apt(["libncursesw5-dev"])]),

        /// libxcrypt, to verify the bcrypt hashes of `--web.config.file`'s basic_auth_users.
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),

        /// libyaml, to read `--web.config.file` and `--http.config.file`.
        .systemLibrary(name: "CYAML", providers: [.apt(["libyaml-dev"])]),

        .executableTarget(
            name: "sentry-top",
            dependencies: [
                "SentryCore",
                "CNcurses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // --prometheus only: the query API over HTTP(S), with --http.config.file's TLS.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: functionSections,
            linkerSettings: leanReleaseLink("sentry-top")
        ),

        .executableTarget(
            name: "sentry-exporter",
            dependencies: [
                "SentryCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                "CCrypt",
            ],
            swiftSettings: functionSections,
            linkerSettings: leanReleaseLink("sentry-exporter")
        ),

        // MARK: - Tests

        /// The end-to-end harness both programs' tests share: subprocesses, workloads with known
        /// CPU and memory use, HTTP, a running exporter, scraped expositions.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "SentryCoreTests",
            dependencies: ["SentryCore", "TestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "SentryTopTests",
            // sentry-exporter: built for the attach-mode tests, which run it.
            dependencies: [
                "sentry-top", "sentry-exporter", "SentryCore", "TestSupport",
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SentryExporterTests",
            dependencies: ["sentry-exporter", "SentryCore", "TestSupport"]
        ),
    ]
)
