import Foundation
import Testing
import TestSupport

/// `--prometheus`: sentry-top reading a real Prometheus that stores a backfilled fleet history
/// with known answers and scrapes real exporters.
@Suite("sentry-top end to end: over Prometheus", .serialized, .timeLimit(.minutes(5)))
struct PrometheusTests {
    @Test("--at a past instant: the node's processes, values and ranks of the scan stored then; none before or after")
    func historyFrame() async throws {
        let directory = try TemporaryDirectory("history")
        defer { directory.remove() }
        let history = StoredHistory()
        let (prometheus, port) = try await StoredHistory.serve(history, in: directory)
        defer { prometheus.kill() }
        let url = "http://127.0.0.1:\(port)"

        // Scan 363 (second hour: no `early`) and scan 100 (first hour), 7 s after their scrape.
        for k in [363, 100] {
            let at = history.time(ofScan: k) + 7
            let document = try await Self.frame(["--prometheus", url, "--instance", "node-a:9105", "--at", String(Int(at))])
            #expect(document.instant == at)
            #expect(document.scanTime == history.time(ofScan: k) - 0.5)
            #expect(document.unavailable == nil)
            let expected = StoredHistory.processes("node-a:9105", scan: k)
            #expect(document.processes.map(\.pid).sorted() == expected.map { Int32($0.pid) }.sorted(), "scan \(k)")
            for process in expected {
                let shown = try #require(document.process(Int32(process.pid)))
                #expect(shown.name == process.name)
                #expect(shown.cpuPercent == process.cpu, "\(process.name) at scan \(k)")
                #expect(shown.childrenCPUPercent == process.children)
                #expect(shown.residentBytes == process.memory)
                #expect(shown.ranks == process.ranks, "\(process.name) at scan \(k)")
            }
            #expect(document.listProblems.isEmpty, "\(document.listProblems)")
        }

        // RFC 3339 and a relative time name the same kind of instant; before the history, and
        // long after it, the frame says there is no data instead of showing an idle node.
        let before = try await Self.frame(["--prometheus", url, "--instance", "node-a:9105", "--at", Self.rfc3339(history.start - 3600)])
        #expect(before.processes.isEmpty)
        #expect(before.unavailable?.contains("No data for node-a:9105") == true, "\(String(describing: before.unavailable))")
        let now = try await Self.frame(["--prometheus", url, "--instance", "node-a:9105", "--at", "-1m"])
        #expect(now.processes.isEmpty)
        #expect(now.unavailable != nil)

        // The text form, as top -b prints it.
        let text = try await SentryTopBinary.run(
            ["--prometheus", url, "--instance", "node-b:9105", "--at", String(Int(history.time(ofScan: 400) + 1)), "--batch"])
        #expect(text.status == 0, "\(text.stderrText)")
        #expect(text.stdoutText.contains("At \(Self.utc(history.time(ofScan: 400) + 1))"), "\(text.stdoutText)")
        #expect(text.stdoutText.split(separator: "\n").contains { $0.hasSuffix("builder") && $0.contains(" 150 ") && $0.contains("CMI") },
                "\(text.stdoutText)")
    }

    @Test("Nodes and the fleet: every node with its CPU and memory (top plus others), the fleet's top processes with their instance")
    func fleet() async throws {
        let directory = try TemporaryDirectory("fleet")
        defer { directory.remove() }
        let history = StoredHistory()
        let (prometheus, port) = try await StoredHistory.serve(history, in: directory)
        defer { prometheus.kill() }
        let k = 200
        let document = try await Self.frame(["--prometheus", "http://127.0.0.1:\(port)", "--at", String(Int(history.time(ofScan: k) + 3))])
        let nodes = try #require(document.nodes)
        #expect(nodes.map(\.instance) == ["node-b:9105", "node-a:9105", "node-c:9105"], "ordered by CPU")
        for node in nodes {
            #expect(node.up == true)
            #expect(node.cpuPercent == StoredHistory.nodeCPU(node.instance, scan: k), "\(node.instance)")
            let memory = StoredHistory.processes(node.instance, scan: k).reduce(0) { $0 + $1.memory } + StoredHistory.rest(node.instance).memory
            #expect(node.residentBytes == memory, "\(node.instance)")
            #expect(node.processCount == StoredHistory.processes(node.instance, scan: k).count + StoredHistory.rest(node.instance).processes)
        }
        // The fleet view: the top processes of every node, each with its instance, CPU order.
        #expect(document.processes.map(\.name) == ["builder", "burner", "early", "holder"], "\(document.processes.map(\.name))")
        #expect(document.processes.map(\.instance) == ["node-b:9105", "node-a:9105", "node-a:9105", "node-a:9105"])

        let text = try await SentryTopBinary.run(
            ["--prometheus", "http://127.0.0.1:\(port)", "--at", String(Int(history.time(ofScan: k) + 3)), "--batch"])
        let lines = text.stdoutText.split(separator: "\n")
        #expect(lines.contains { $0.contains("INSTANCE") && $0.contains("NAME") }, "\(text.stdoutText)")
        #expect(lines.contains { $0.contains("node-b:9105") && $0.hasSuffix("builder") }, "\(text.stdoutText)")
    }

    @Test("live: the frame of --at T is the frame --connect showed for the scan Prometheus scraped at T; queries per frame are constant")
    func equalsLive() async throws {
        // Scans every 2 s, scraped every second: Prometheus stores every scan (at equal
        // intervals, a scrape can fall twice on one scan and miss the next).
        let first = try await ExporterProcess.start(["--scan.interval", "2s"])
        defer { first.stop() }
        let second = try await ExporterProcess.start(["--scan.interval", "1s", "--top-n", "5"])
        defer { second.stop() }
        let directory = try TemporaryDirectory("live")
        defer { directory.remove() }
        let instance = "127.0.0.1:\(first.port)"
        let (prometheus, port) = try await StoredHistory.serve(
            StoredHistory(), scraping: [instance, "127.0.0.1:\(second.port)"], in: directory)
        defer { prometheus.kill() }
        let url = "http://127.0.0.1:\(port)"
        _ = try await first.scrape(afterScans: 3, timeout: .seconds(60))

        // What the exporter served, scan by scan.
        var served: [Double: TopDocument] = [:]
        for _ in 0..<7 {
            let document = try await Self.frame(["--connect", first.metricsURL])
            if let scan = document.scanTime { served[scan] = document }
            try await Task.sleep(for: .milliseconds(700))
        }
        #expect(served.count >= 2)
        try await Task.sleep(for: .seconds(3))

        // When Prometheus scraped each of those scans: its stored scan times, sample by sample.
        let api = "\(url)/api/v1/query"
        let stored = try await queryPrometheus(api, #"proc_sentry_last_scan_timestamp_seconds{instance="\#(instance)"}[1m]"#)
        let samples = try #require(stored.first?["values"] as? [[Any]])
        var compared = 0
        for (scan, live) in served.sorted(by: { $0.key < $1.key }) {
            // Scan times are microseconds apart; JSON's decimal round trip may change the last digits.
            func isScan(_ value: Double?) -> Bool { value.map { abs($0 - scan) < 1e-4 } ?? false }
            guard let scrape = samples.first(where: { isScan(Double($0[1] as? String ?? "")) })?[0] as? Double else { continue }
            let past = try await Self.frame(["--prometheus", url, "--instance", instance, "--at", String(scrape)])
            #expect(isScan(past.scanTime))
            #expect(past.processes.map(\.pid).sorted() == live.processes.map(\.pid).sorted(), "scan \(scan)")
            for process in live.processes {
                let stored = try #require(past.process(process.pid))
                #expect(stored.name == process.name)
                #expect(stored.ranks == process.ranks, "\(process.pid) \(process.name)")
                #expect(stored.held == process.held)
                for (a, b) in [(stored.cpuPercent, process.cpuPercent), (stored.childrenCPUPercent, process.childrenCPUPercent),
                               (stored.residentBytes, process.residentBytes), (stored.ioBytesPerSecond, process.ioBytesPerSecond)] {
                    #expect(Self.same(a, b), "\(process.pid) \(process.name): stored \(String(describing: a)), live \(String(describing: b))")
                }
            }
            compared += 1
        }
        #expect(compared >= 2, "scans served: \(served.keys.sorted()), stored: \(samples)")

        // Queries per frame, whatever the number of instances: of a node two (the nodes and its
        // series), and one more when it opens (its scan interval); of the fleet three (the
        // nodes and its top lists, then their series).
        for (arguments, expected) in [(["--instance", instance], 2 * 3 + 1), ([], 3 * 3)] {
            let before = try await Self.queryCount(url)
            let result = try await SentryTopBinary.run(["--prometheus", url, "--batch", "--iterations", "3", "-d", "0.2"] + arguments)
            #expect(result.status == 0, "\(result.stderrText)")
            #expect(try await Self.queryCount(url) - before == expected, "\(arguments)")
        }
    }

    @Test("time keys in the terminal: back, forward, ten steps, a typed time, Nodes and Enter, the fleet, back to live")
    func timeKeys() async throws {
        let directory = try TemporaryDirectory("keys")
        defer { directory.remove() }
        let history = StoredHistory()
        let (prometheus, port) = try await StoredHistory.serve(history, in: directory)
        defer { prometheus.kill() }
        let start = history.time(ofScan: 300)
        let top = try await InteractiveTop.start(
            ["--prometheus", "http://127.0.0.1:\(port)", "--at", String(Int(start))], firstFrame: { $0.text.contains("INSTANCE") })
        defer { top.close() }
        func waitForInstant(_ instant: Double, _ what: String) async throws -> Screen {
            try await top.waitForScreen("\(what): At \(Self.utc(instant))") { screen in
                screen.lines.first?.hasPrefix("At \(Self.utc(instant))") == true ? screen : nil
            }
        }

        // The Nodes tab first, by CPU; Enter opens node-b.
        let nodes = try await waitForInstant(start, "the first frame")
        let rows = nodes.lines.filter { $0.contains("node-") }
        #expect(rows.map { $0.split(separator: " ").last.map(String.init) ?? "" } == ["node-b:9105", "node-a:9105", "node-c:9105"], "\(nodes)")
        try await top.tmux.press("Enter")
        _ = try await top.waitForScreen("node-b's processes") { screen in
            screen.text.contains("node node-b:9105") && screen.text.contains("builder") ? true : nil
        }

        // The scan interval stored is 15 s: [ steps back one, { ten, ] and } forward.
        let step = StoredHistory.interval
        try await top.tmux.press("[")
        _ = try await waitForInstant(start - step, "one step back")
        try await top.tmux.press("{")
        _ = try await waitForInstant(start - 11 * step, "ten steps back")
        try await top.tmux.press("]")
        _ = try await waitForInstant(start - 10 * step, "one step forward")
        try await top.tmux.press("}")
        _ = try await waitForInstant(start, "ten steps forward")

        // A typed time; a bad one is reported and changes nothing.
        let typed = history.time(ofScan: 50)
        try await top.tmux.press("t")
        try await top.tmux.type(Self.rfc3339(typed))
        try await top.tmux.press("Enter")
        _ = try await waitForInstant(typed, "the typed time")
        try await top.tmux.press("t")
        try await top.tmux.type("soon")
        try await top.tmux.press("Enter")
        _ = try await top.waitForScreen("the bad time reported") { $0.statusLine.contains("not a time") ? true : nil }
        #expect(try await top.tmux.capture().lines.first?.hasPrefix("At \(Self.utc(typed))") == true)

        // Esc: back to the nodes; 1: the fleet's top processes with their instance.
        try await top.tmux.press("Escape")
        _ = try await top.waitForScreen("the Nodes tab") { $0.text.contains("PROCS INSTANCE") ? true : nil }
        try await top.tmux.press("1")
        let fleet = try await top.waitForScreen("the fleet view") { screen in
            screen.text.contains("the fleet's top processes") && screen.text.contains("builder") ? screen : nil
        }
        #expect(fleet.lines.contains { $0.contains("node-a:9105") && $0.hasSuffix("burner") }, "\(fleet)")

        // n: live, where the history (over an hour ago) has nothing to show.
        try await top.tmux.press("n")
        _ = try await top.waitForScreen("live") { $0.lines.first?.hasPrefix("Live") == true ? true : nil }
        try await top.tmux.press("q")
        #expect(try await top.waitForExitStatus() == 0)
    }

    @Test("errors: bad --at and URLs exit 2 with one line; an unreachable server and a rejected query are reported")
    func errors() async throws {
        for arguments in [
            ["--prometheus", "http://127.0.0.1:9", "--at", "yesterday"],
            ["--prometheus", "prometheus:9090"],
            ["--prometheus", "http://p:9090/?x=1"],
            ["--prometheus", "http://p:9090", "--selector", #"{job="a""#],
            ["--instance", "node-a"],
            ["--prometheus", "http://p:9090", "--connect", "http://e:9105/metrics"],
        ] {
            let result = try await SentryTopBinary.run(arguments + ["--batch"])
            #expect(result.status == 2, "\(arguments): \(result.stderrText)")
            #expect(result.stderrText.split(separator: "\n").count == 1, "\(arguments): \(result.stderrText)")
            #expect(result.stdoutText.isEmpty)
        }

        let closed = "http://127.0.0.1:\(try freeLoopbackPort())"
        let unreachable = try await SentryTopBinary.run(["--prometheus", closed, "--batch", "--iterations", "1"])
        #expect(unreachable.stderrText.contains("\(closed): cannot query: Connection refused"), "\(unreachable.stderrText)")

        let directory = try TemporaryDirectory("errors")
        defer { directory.remove() }
        let (prometheus, port) = try await StoredHistory.serve(StoredHistory(), in: directory)
        defer { prometheus.kill() }
        let rejected = try await SentryTopBinary.run(
            ["--prometheus", "http://127.0.0.1:\(port)", "--selector", #"{job=~"("}"#, "--batch", "--iterations", "1"])
        #expect(rejected.stderrText.contains("query rejected (HTTP 400)"), "\(rejected.stderrText)")

        // A server whose limits refuse the query says why.
        let limitedDirectory = try TemporaryDirectory("limited")
        defer { limitedDirectory.remove() }
        let history = StoredHistory()
        let (limited, limitedPort) = try await StoredHistory.serve(
            history, arguments: ["--query.max-samples=10"], in: limitedDirectory)
        defer { limited.kill() }
        let refused = try await SentryTopBinary.run(
            ["--prometheus", "http://127.0.0.1:\(limitedPort)", "--at", String(Int(history.time(ofScan: 300))), "--batch"])
        #expect(refused.stderrText.contains("query rejected (HTTP 422): query processing would load too many samples"), "\(refused.stderrText)")

        // In the terminal the error is on the status line and the interface stays.
        let top = try await InteractiveTop.start(["--prometheus", closed, "-d", "0.5"], firstFrame: { $0.text.contains("5 Nodes") })
        defer { top.close() }
        _ = try await top.waitForScreen("the error on the status line") { $0.statusLine.contains("Connection refused") ? true : nil }
        try await Task.sleep(for: .seconds(1))
        #expect(top.isRunning)
        try await top.tmux.press("q")
        #expect(try await top.waitForExitStatus() == 0)
    }

    // MARK: - Helpers

    /// The last document of `sentry-top ARGUMENTS --json --iterations 1`.
    static func frame(_ arguments: [String]) async throws -> TopDocument {
        let result = try await SentryTopBinary.run(arguments + ["--json", "--iterations", "1"])
        try #require(result.status == 0, "\(arguments): exit \(String(describing: result.status)): \(result.stderrText)")
        return try #require(try TopDocument.all(in: result.stdoutText).last, "no document: \(result.stdoutText) \(result.stderrText)")
    }

    /// `prometheus_http_requests_total` of the instant-query handler, from Prometheus's own
    /// metrics (reading them is no query).
    static func queryCount(_ url: String) async throws -> Int {
        let metrics = try await curl("\(url)/metrics").bodyText
        return metrics.split(separator: "\n")
            .filter { $0.hasPrefix("prometheus_http_requests_total{") && $0.contains(#"handler="/api/v1/query""#) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0) { $0 + Int($1) }
    }

    /// Values as the display rounds them (to the tenth), both missing, or both there.
    static func same(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): abs(a - b) <= max(0.05, abs(b) * 1e-9)
        default: false
        }
    }

    static func utc(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: seconds)) + " UTC"
    }

    static func rfc3339(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
