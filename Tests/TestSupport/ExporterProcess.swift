import Foundation
import Testing

/// A running `sentry-exporter`, listening on 127.0.0.1 at a port it chose itself.
///
/// Start it with `start`, and `stop()` it in a `defer`.
public final class ExporterProcess: @unchecked Sendable {
    public let child: ChildProcess
    /// The port parsed from the startup log line.
    public let port: Int
    public let telemetryPath: String

    public var pid: Int32 { child.pid }
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var metricsURL: String { baseURL + telemetryPath }
    public var stderrText: String { child.stderrText }

    public static var binaryPath: String { BuiltProducts.path("sentry-exporter") }

    /// Fails the test if the exporter binary was not built next to the test runner.
    public static func requireBinary(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try BuiltProducts.require("sentry-exporter", sourceLocation: sourceLocation)
    }

    // MARK: - Running it

    /// Runs the binary to completion (for flag tests).
    public static func run(
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
    public static func start(
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

    /// Starts an exporter scanning every minute and waits for its second scan: its exposition
    /// (and its kept descriptors) then do not change for a minute.
    public static func startStable(_ arguments: [String] = []) async throws -> ExporterProcess {
        let exporter = try await start(["--scan.interval", "1m"] + arguments)
        do {
            _ = try await exporter.scrape(afterScans: 2)
        } catch {
            exporter.stop()
            throw error
        }
        return exporter
    }

    /// The port of `Starting proc-sentry on 127.0.0.1:<port>` in a log (logfmt or JSON).
    public static func startupPort(in log: String) -> Int? {
        let marker = "Starting proc-sentry on 127.0.0.1:"
        guard let range = log.range(of: marker) else { return nil }
        let digits = log[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        return Int(digits)
    }

    /// Kills the exporter (SIGKILL) and waits for it. Idempotent.
    public func stop() {
        child.kill()
    }

    // MARK: - Scraping

    /// GETs the telemetry path and parses the exposition.
    public func scrape() async throws -> ScrapedMetrics {
        let response = try await curl(metricsURL)
        guard response.status == 200 else {
            throw HarnessError("GET \(metricsURL): \(response.statusLine)")
        }
        return try ScrapedMetrics(response.body)
    }

    /// Scrapes until `condition` holds for a scrape, returning that scrape.
    public func scrape(
        timeout: Duration = .seconds(30), until what: @autoclosure () -> String,
        _ condition: (ScrapedMetrics) throws -> Bool
    ) async throws -> ScrapedMetrics {
        try await poll(timeout: timeout, interval: .milliseconds(200), "a scrape with \(what())") {
            let scrape = try await self.scrape()
            return try condition(scrape) ? scrape : nil
        }
    }

    /// Scrapes until at least `count` scans completed (the second scan is the first with rates).
    public func scrape(afterScans count: Int, timeout: Duration = .seconds(30)) async throws -> ScrapedMetrics {
        try await scrape(timeout: timeout, until: "\(count) completed scans") { scrape in
            // proc_sentry_top_n is only written once a scan completed; scans_total counts started ones.
            guard scrape.value("proc_sentry_top_n") != nil, let scans = scrape.value("proc_sentry_scans_total") else {
                return false
            }
            return scans >= Double(count)
        }
    }
}
