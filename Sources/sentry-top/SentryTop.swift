import ArgumentParser
import Glibc
import SentryCore

/// `sentry-top`: a top-like view of exactly the Top N processes sentry-exporter sends to Prometheus.
@main
struct SentryTop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sentry-top",
        abstract: "Top N processes by CPU, memory and IO, as sentry-exporter sends them to Prometheus.",
        discussion: "Press h in the interface for the keys. With --batch or --json it prints instead of drawing.",
        version: ProcSentry.version
    )

    /// The orders `--sort` offers.
    enum SortChoice: String, CaseIterable, ExpressibleByArgument {
        case cpu, memory, io, pid, name
    }

    @OptionGroup(title: "Collection")
    var collection: CollectorOptions

    @Option(name: [.short, .customLong("delay")], help: "Seconds between refreshes.")
    var delay = 1.5

    @Option(help: "Initial order: cpu, memory, io (the tabs), pid or name (on the CPU tab).")
    var sort = SortChoice.cpu

    @Flag(name: .customLong("no-color"), help: "Draw without colours (also when NO_COLOR is set).")
    var noColor = false

    @Flag(help: "Print the tables as plain text instead of drawing (like top -b).")
    var batch = false

    @Option(help: "Stop after this many refreshes (default: run until quit).")
    var iterations: Int?

    @Flag(help: "Print one JSON document per refresh instead of drawing (implies --batch).")
    var json = false

    @Option(help: "Read a running sentry-exporter's metrics URL (http://HOST:9105/metrics) instead of scanning locally.")
    var connect: String?

    @Option(
        help: ArgumentHelp(
            "Read what exporters sent to Prometheus (or Thanos, Mimir, VictoriaMetrics): the query API's base URL.",
            valueName: "url"))
    var prometheus: String?

    @Option(help: "With --prometheus: the node to show (its instance label); default: the Nodes tab.")
    var instance: String?

    @Option(help: ArgumentHelp("With --prometheus: label matchers added to every query, such as '{job=\"proc-sentry\"}'.", valueName: "matchers"))
    var selector: String?

    // Unconditional: `--at -1h` is a value, not an unknown flag.
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "With --prometheus: show this instant instead of now: RFC 3339, Unix seconds, or a duration before now (-1h, 2h30m ago).",
            valueName: "time"))
    var at: String?

    @Option(
        name: .customLong("http.config.file"),
        help: ArgumentHelp(
            "With --prometheus: Prometheus's HTTP client configuration (basic_auth, authorization, tls_config, http_headers), as promtool takes it.",
            valueName: "file"))
    var httpConfigFile: String?

    @Option(help: ArgumentHelp("With --prometheus: seconds the time keys step by (default: the node's stored scan interval).", valueName: "seconds"))
    var step: Double?

    func validate() throws {
        guard delay >= 0.1, delay <= 3600, delay.isFinite else {
            throw ValidationError("invalid value '\(delay)' for '--delay': expected 0.1 to 3600 seconds")
        }
        if let iterations, iterations < 1 {
            throw ValidationError("invalid value '\(iterations)' for '--iterations': expected at least 1")
        }
        if let connect, MetricsEndpoint(url: connect) == nil {
            throw ValidationError("invalid value '\(connect)' for '--connect': expected http://HOST:PORT/PATH")
        }
        if connect != nil, prometheus != nil {
            throw ValidationError("--connect and --prometheus are different sources: give one")
        }
        if let prometheus, let problem = PrometheusAPI.validate(baseURL: prometheus) {
            throw ValidationError("invalid value '\(prometheus)' for '--prometheus': \(problem)")
        }
        if prometheus == nil {
            for (flag, given) in [
                ("--instance", instance != nil), ("--selector", selector != nil), ("--at", at != nil), ("--step", step != nil),
                ("--http.config.file", httpConfigFile != nil),
            ] where given {
                throw ValidationError("\(flag) needs --prometheus")
            }
        }
        _ = try matchers
        _ = try startInstant
        // Only with --prometheus: local mode runs none of the TLS code (nor faults its pages in).
        if prometheus != nil { _ = try httpAccess }
        if let step, !(step >= 1 && step <= 86_400) {
            throw ValidationError("invalid value '\(step)' for '--step': expected 1 to 86400 seconds")
        }
    }

    /// `--selector`, checked.
    var matchers: LabelMatchers {
        get throws {
            guard let selector else { return .none }
            do { return try LabelMatchers(parsing: selector) } catch { throw ValidationError("invalid value for '--selector': \(error)") }
        }
    }

    /// `--http.config.file`, read and checked (no file: no credentials, the system's TLS roots).
    var httpAccess: HTTPAccess {
        get throws {
            guard let httpConfigFile else { return HTTPAccess() }
            do { return try HTTPAccess(file: httpConfigFile) } catch { throw ValidationError("--http.config.file: \(error)") }
        }
    }

    /// `--at`, checked.
    var startInstant: Instant? {
        get throws {
            guard let at else { return nil }
            do { return try Instant(parsing: at) } catch { throw ValidationError("invalid value for '--at': \(error)") }
        }
    }

    static func main() {
        let command: SentryTop
        do {
            command = try parse()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            printError(message(for: error))
            Glibc.exit(2)
        }
        do {
            try command.run()
        } catch let error as RunError {
            printError(error.message)
            Glibc.exit(1)
        } catch {
            printError("\(error)")
            Glibc.exit(1)
        }
    }

    func run() throws {
        HeapTuning.returnLargeBlocksToTheKernel()
        OpenFileLimit.raiseToHardLimit()
        let source = try makeSource()
        var state = TopState(delay: delay)
        apply(sort, to: &state)
        if prometheus != nil {
            state.tabs = Tab.allCases
            state.timeline = Timeline(instant: nil, step: step ?? Timeline.defaultStep, stepIsFixed: step != nil)
            if let startInstant = try startInstant { state.show(startInstant, now: SystemClock.seconds(CLOCK_REALTIME)) }
            if let instance { state.node = instance } else { state.tab = .nodes }
        }
        if batch || json {
            runBatch(source: source, state: state)
            return
        }
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            throw RunError(message: "standard output is not a terminal: use --batch (or --json) to print instead")
        }
        let color = !noColor && getenv("NO_COLOR").map { $0.pointee == 0 } ?? true
        let terminal = NcursesTerminal(color: color)
        defer { terminal.restore() }
        TopApp(source: source, state: state, terminal: terminal, iterations: iterations).run()
    }

    private func makeSource() throws -> any TopDataSource {
        if let connect {
            return RemoteSource(endpoint: MetricsEndpoint(url: connect)!)
        }
        if let prometheus {
            return PrometheusSource(
                api: PrometheusAPI(baseURL: prometheus, access: try httpAccess), matchers: try matchers,
                fleetCount: try collection.topNToUse)
        }
        let configuration = try collection.configuration()
        do {
            return try LocalSource(configuration: configuration)
        } catch {
            throw RunError(message: "cannot read '--path.procfs' \(configuration.procRoot): \(error)")
        }
    }

    /// Prints every refresh until `--iterations` (the first after a short priming interval,
    /// so CPU and IO rates are there from the first table).
    ///
    /// From Prometheus, frames need no priming; a past instant (`--at`) prints that frame once,
    /// or with `--iterations` that many frames a step apart, without waiting, as a replay.
    private func runBatch(source: any TopDataSource, state: TopState) {
        var state = state
        let replays = state.timeline?.instant != nil
        if state.timeline == nil { _ = source.refresh(state.frameRequest) }
        var printed = 0
        while printed < iterations ?? (replays ? 1 : Int.max) {
            if printed > 0 && replays {
                _ = state.apply(.stepTime(1), data: TopData())
            } else if state.timeline == nil || printed > 0 {
                sleepSeconds(printed == 0 ? min(delay, 1) : delay)
            }
            switch source.refresh(state.frameRequest) {
            case .success(let data):
                state.reconcile(with: data)
                for warning in data.warnings { printError("Prometheus warns: \(warning)") }
                let time = SystemClock.seconds(CLOCK_REALTIME)
                let output = json ? ((try? BatchOutput.json(data, state: state, time: time)) ?? "{}\n")
                    : BatchOutput.text(data, state: state, time: time) + "\n"
                writeStandardOutput(output)
            case .failure(let error):
                printError(error.message)
            }
            printed += 1
        }
    }

    private func apply(_ sort: SortChoice, to state: inout TopState) {
        switch sort {
        case .cpu: state.tab = .cpu
        case .memory: state.tab = .memory
        case .io: state.tab = .io
        case .pid: state.sortOrders[.cpu] = SortOrder(column: ProcessColumns.pid, descending: false)
        case .name: state.sortOrders[.cpu] = SortOrder(column: ProcessColumns.name, descending: false)
        }
    }
}

/// A failure after parsing, reported on one line with exit code 1.
struct RunError: Error {
    let message: String
}

func printError(_ message: String) {
    let line = Array("sentry-top: error: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

func writeStandardOutput(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset) }
        if written <= 0 { if errno == EINTR { continue } else { return } }
        offset += written
    }
}

func sleepSeconds(_ seconds: Double) {
    var remaining = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
    var request = remaining
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
