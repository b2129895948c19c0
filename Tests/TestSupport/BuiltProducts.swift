import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The package's executables, as built for this test run.
///
/// They are built into the same products directory as the test runner, so tests run exactly
/// the binaries of this build (never one on `PATH`).
public enum BuiltProducts {
    /// The build products directory: where the test runner (`<products>/proc-sentryPackageTests.xctest`,
    /// an executable on Linux, a bundle elsewhere) lives.
    public static let directory: URL = {
        guard let resolved = realpath("/proc/self/exe", nil) else {
            return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        }
        defer { free(resolved) }
        var url = URL(fileURLWithPath: String(cString: resolved))
        // Inside a bundle (`….xctest/Contents/MacOS/…`), the products directory is the bundle's parent.
        var candidate = url
        while candidate.pathComponents.count > 1 {
            if candidate.lastPathComponent.hasSuffix(".xctest") { return candidate.deletingLastPathComponent() }
            candidate = candidate.deletingLastPathComponent()
        }
        url.deleteLastPathComponent()
        return url
    }()

    /// Where the executable `product` is (whether or not it was built).
    public static func path(_ product: String) -> String {
        directory.appendingPathComponent(product).path
    }

    /// The path of `product`, failing the test if it was not built next to the test runner (a
    /// test target must depend on it for `swift test` to build it).
    public static func require(_ product: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let path = path(product)
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "\(product) not found at \(path) (derived from /proc/self/exe)", sourceLocation: sourceLocation)
        return path
    }
}
