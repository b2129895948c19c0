import ArgumentParser
import Dispatch
import Glibc
import Logging
import NIOCore
import NIOPosix
import SentryCore

/// `sentry-exporter`: scans /proc in the background and serves the Top N processes by CPU,
/// memory and disk IO to Prometheus.
@main
struct SentryExporter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sentry-exporter",
        abstract: "Prometheus exporter for the Top N processes by CPU, memory and disk IO.",
        discussion: """
            Scans every process every --scan.interval and exports the union of the Top N by CPU, \
            by resident memory and by storage IO, with totals for everything else and per-container \
            aggregates. The environment variable TOP_N sets --top-n when the flag is absent.
            """,
        version: ProcSentry.version
    )

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on: [host]:port.")
    var listenAddress = ListenAddress(host: "", port: 9105)

    @Option(name: .customLong("web.telemetry-path"), help: "Path under which to expose metrics.")
    var telemetryPath = "/metrics"

    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp(
            "Web configuration file (exporter-toolkit format) enabling TLS, client certificates and basic auth.",
            valueName: "path"))
    var webConfigFile: String?

    @Option(
        name: .customLong("web.max-connections"),
        help: "Maximum number of simultaneous connections; at the limit a new one replaces the one waiting longest without a request.")
    var maxConnections = 64

    @Option(
        name: .customLong("web.read-timeout"),
        help: "Time a client has to send a whole request (from the connection's accept, or the request's first byte), e.g. 10s.")
    var readTimeout = FlagDuration(milliseconds: 10_000)

    @Option(
        name: .customLong("web.idle-timeout"),
        help: "Time a keep-alive connection may wait for its next request, and a response for the client to read it.")
    var idleTimeout = FlagDuration(milliseconds: 60_000)

    @OptionGroup(title: "Collection")
    var collection: CollectorOptions

    @Option(name: .customLong("scan.interval"), help: "Time between scans of /proc, e.g. 500ms, 15s, 1m.")
    var scanInterval = FlagDuration(milliseconds: 15_000)

    @Flag(
        name: .customLong("collector.cmdline"), inversion: .prefixedNo,
        help: "Export the command line of each selected process (proc_process_top_cmdline_info). Off by default: command lines often hold secrets.")
    var collectsCommandLines = false

    @Flag(
        name: .customLong("health-check"),
        help: "Instead of exporting, check the exporter these flags describe: GET its telemetry path, exit 0 if it answers (see the man page), 1 if not.")
    var checksHealth = false

    @Option(name: .customLong("log.level"), help: "Only log messages at or above this level: debug, info, warn, error.")
    var logLevel = LogLevel.info

    @Option(name: .customLong("log.format"), help: "Log line format: logfmt or json.")
    var logFormat = LogFormat.logfmt

    func validate() throws {
        guard telemetryPath.hasPrefix("/"), telemetryPath != "/", !telemetryPath.contains("?") else {
            throw ValidationError(
                "invalid value '\(telemetryPath)' for '--web.telemetry-path': expected a path such as /metrics, other than /")
        }
        guard maxConnections >= 1 else {
            throw ValidationError("invalid value '\(maxConnections)' for '--web.max-connections': expected at least 1")
        }
        if checksHealth && listenAddress.port == 0 {
            throw ValidationError("'--health-check' needs the port of '--web.listen-address', not 0")
        }
        guard scanInterval.milliseconds >= 100 else {
            throw ValidationError("invalid value '\(scanInterval)' for '--scan.interval': expected at least 100ms")
        }
    }

    /// Parses the command line and runs, exiting 2 with a one-line message on bad input (the
    /// exit code of Go flag parsing that exporter users script against).
    static func main() {
        let command: SentryExporter
        do {
            command = try parse()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            writeToStandardError("sentry-exporter: error: \(message(for: error))")
            Glibc.exit(2)
        }
        do {
            try command.run()
        } catch let error as StartupError {
            writeToStandardError("sentry-exporter: error: \(error.message)")
            Glibc.exit(2)
        } catch {
            writeToStandardError("sentry-exporter: error: \(error)")
            Glibc.exit(1)
        }
    }

    func run() throws {
        if checksHealth { try checkHealth() }
        HeapTuning.returnLargeBlocksToTheKernel()
        OpenFileLimit.raiseToHardLimit()
        let logger = makeLogger()
        let security = try loadWebSecurity()
        let configuration = try collection.configuration(collectsCommandLines: collectsCommandLines)
        let collector: Collector
        do {
            collector = try Collector(configuration: configuration)
        } catch {
            throw StartupError(message: "cannot read '--path.procfs' \(configuration.procRoot): \(error)")
        }

        let store = ExpositionStore()
        let scanner = Scanner(
            collector: collector, store: store, interval: scanInterval, version: ProcSentry.version, logger: logger)
        scanner.start()

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server: HTTPServer
        do {
            server = try HTTPServer.start(
                address: listenAddress, telemetryPath: telemetryPath, store: store, limits: httpLimits,
                security: security, group: group)
        } catch {
            throw StartupError(message: "cannot listen on '--web.listen-address' \(listenAddress): \(error)")
        }
        let address = ListenAddress(host: listenAddress.host, port: server.boundPort)
        logger.info(
            "Starting proc-sentry on \(address)",
            metadata: [
                "version": "\(ProcSentry.version)", "telemetry_path": "\(telemetryPath)", "top_n": "\(configuration.topN)",
                "scan_interval": "\(scanInterval)", "path_procfs": "\(configuration.procRoot)", "path_sysfs": "\(configuration.sysRoot)",
                "tls": "\(security.tls != nil)", "basic_auth": "\(security.authenticator != nil)",
                "collector_cmdline": "\(collectsCommandLines)",
            ])

        let stopped = group.next().makePromise(of: Void.self)
        let signals = ShutdownSignals { signalName in
            logger.info("Shutting down", metadata: ["signal": "\(signalName)"])
            scanner.stop()
            server.quiescing.initiateShutdown(promise: stopped)
            // Slow clients must not hold the process: in-flight scrapes get until the deadline.
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(900)) { Glibc.exit(0) }
        }
        try stopped.futureResult.wait()
        withExtendedLifetime(signals) {}
        // The event loop group is not shut down: the process ends here, and shutting it down while
        // the last channels finish closing only makes NIO print errors about a stopped loop.
    }

    private func loadWebSecurity() throws(StartupError) -> WebSecurity {
        do {
            return try loadWebConfiguration().map(WebSecurity.init) ?? .none
        } catch {
            throw StartupError(message: "invalid '--web.config.file': \(error.message)")
        }
    }

    private func loadWebConfiguration() throws(ConfigurationError) -> WebConfiguration? {
        try webConfigFile.map { path throws(ConfigurationError) in try WebConfiguration.load(path: path) }
    }

    /// `--health-check`: exits 0 when healthy, 1 with the reason on standard error when not.
    private func checkHealth() throws(StartupError) -> Never {
        let check: HealthCheck
        do {
            // Under the Dockerfile's HEALTHCHECK --timeout (5s), so the check reports why it failed.
            check = try HealthCheck(
                address: listenAddress, path: telemetryPath, configuration: loadWebConfiguration(), timeout: .seconds(4))
        } catch {
            throw StartupError(message: "invalid '--web.config.file': \(error.message)")
        }
        if let problem = check.run() {
            writeToStandardError("sentry-exporter: unhealthy: \(problem)")
            Glibc.exit(1)
        }
        print("sentry-exporter: healthy: \(check.url)")
        Glibc.exit(0)
    }

    private var httpLimits: HTTPServerLimits {
        HTTPServerLimits(
            maxConnections: maxConnections, readTimeout: .milliseconds(Int64(readTimeout.milliseconds)),
            idleTimeout: .milliseconds(Int64(idleTimeout.milliseconds)))
    }

    private func makeLogger() -> Logger {
        let format = logFormat
        let level = logLevel.swiftLogLevel
        LoggingSystem.bootstrap { _ in ExporterLogHandler(format: format, logLevel: level) }
        return Logger(label: "proc-sentry")
    }
}

/// A problem with a flag's value found only when acting on it (a path that does not exist, an
/// address in use), reported like a parse error with exit code 2.
struct StartupError: Error {
    let message: String
}

/// The levels of `--log.level`, named as the Go exporters name them.
enum LogLevel: String, CaseIterable, ExpressibleByArgument {
    case debug, info, warn, error

    var swiftLogLevel: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .warn: .warning
        case .error: .error
        }
    }
}
