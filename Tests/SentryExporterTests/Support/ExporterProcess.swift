import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A running `sentry-exporter`, listening on 127.0.0.1 at a port it chose itself.
///
/// Start it with `start`, and `stop()` it in a `defer`.
final class ExporterProcess: @unchecked Sendable {
    let child: ChildProcess
    /// The port parsed from the startup log line.
    let port: Int
    let telemetryPath: String

    var pid: Int32 { child.pid }
    var baseURL: String { "http://127.0.0.1:\(port)" }
    var metricsURL: String { baseURL + telemetryPath }
    var stderrText: String { child.stderrText }

    // MARK: - Locating the binary

    /// The build products directory: where the test runner (`<products>/proc-sentryPackageTests.xctest`,
    /// an executable on Linux, a bundle elsewhere) lives.
    static let productsDirectory: URL = {
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

    static var binaryPath: String { productsDirectory.appendingPathComponent("sentry-exporter").path }

    /// Fails the test if the exporter binary was not built next to the test runner.
    static func requireBinary(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let path = binaryPath
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "sentry-exporter not found at \(path) (derived from /proc/self/exe)", sourceLocation: sourceLocation)
        return path
    }

    // MARK: - Running it

    /// Runs the binary to completion (for flag tests).
    static func run(
        _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(20)
    ) async throws -> CommandResult {
        try await runCommand(
            try requireBinary(), arguments, environment: childEnvironment(environment), timeout: timeout)
    }

    private init(child: ChildProcess, port: Int, telemetryPath: String) {
        self.child = child
        self.port = port
        self.telemetryPath = telemetryPath
    }

    /// Starts the exporter on `127.0.0.1:0` (unless `arguments` has `--web.listen-address`) and
    /// waits for its startup log line.
    static func start(
        _ arguments: [String] = [], environment: [String: String] = [:], timeout: Duration = .seconds(30)
    ) async throws -> ExporterProcess {
        var arguments = arguments
        if !arguments.contains("--web.listen-address") {
            arguments = ["--web.listen-address", "127.0.0.1:0"] + arguments
        }
        let telemetryPath = arguments.firstIndex(of: "--web.telemetry-path").map { arguments[$0 + 1] } ?? "/metrics"
        let child = try ChildProcess(
            try requireBinary(), arguments, environment: childEnvironment(environment), label: "exporter")
        do {
            let port = try await poll(timeout: timeout, interval: .milliseconds(20), "the exporter's startup line") {
                () -> Int? in
                if let port = startupPort(in: child.stderrText) { return port }
                if child.hasExited {
                    throw HarnessError("sentry-exporter \(arguments) exited before starting: \(child.stderrText)")
                }
                return nil
            }
            return ExporterProcess(child: child, port: port, telemetryPath: telemetryPath)
        } catch {
            child.kill()
            throw error
        }
    }

    /// The port of `Starting proc-sentry on 127.0.0.1:<port>` in a log (logfmt or JSON).
    static func startupPort(in log: String) -> Int? {
        let marker = "Starting proc-sentry on 127.0.0.1:"
        guard let range = log.range(of: marker) else { return nil }
        let digits = log[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        return Int(digits)
    }

    /// Kills the exporter (SIGKILL) and waits for it. Idempotent.
    func stop() {
        child.kill()
    }

    // MARK: - Scraping

    /// GETs the telemetry path and parses the exposition.
    func scrape() async throws -> ScrapedMetrics {
        let response = try await curl(metricsURL)
        guard response.status == 200 else {
            throw HarnessError("GET \(metricsURL): \(response.statusLine)")
        }
        return try ScrapedMetrics(response.body)
    }

    /// Scrapes until `condition` holds for a scrape, returning that scrape.
    func scrape(
        timeout: Duration = .seconds(30), until what: @autoclosure () -> String,
        _ condition: (ScrapedMetrics) throws -> Bool
    ) async throws -> ScrapedMetrics {
        try await poll(timeout: timeout, interval: .milliseconds(200), "a scrape with \(what())") {
            let scrape = try await self.scrape()
            return try condition(scrape) ? scrape : nil
        }
    }

    /// Scrapes until at least `count` scans completed (the second scan is the first with rates).
    func scrape(afterScans count: Int, timeout: Duration = .seconds(30)) async throws -> ScrapedMetrics {
        try await scrape(timeout: timeout, until: "\(count) completed scans") { scrape in
            // proc_sentry_top_n is only written once a scan completed; scans_total counts started ones.
            guard scrape.value("proc_sentry_top_n") != nil, let scans = scrape.value("proc_sentry_scans_total") else {
                return false
            }
            return scans >= Double(count)
        }
    }
}
