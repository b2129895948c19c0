import Foundation
import Testing
import TestSupport

/// `--connect`: sentry-top reading a real sentry-exporter's metrics instead of scanning.
@Suite("sentry-top end to end: attached to an exporter", .timeLimit(.minutes(3)))
struct AttachTests {
    @Test("--connect --json lists exactly the processes and ranks of the exporter's proc_process_top_rank")
    func jsonMatchesTheExportedRanks() async throws {
        let exporter = try await ExporterProcess.start(["--scan.interval", "500ms"])
        defer { exporter.stop() }
        // Scan 3 started: at least two completed, so the CPU and IO lists have rates.
        _ = try await exporter.scrape(afterScans: 3, timeout: .seconds(90))

        // sentry-top's last fetch and the scrape after it may straddle a scan: retry until one
        // attempt sees the same scan on both sides.
        var mismatch = ""
        for _ in 0..<8 {
            let result = try await SentryTopBinary.run(["--connect", exporter.metricsURL, "--json", "--iterations", "1"])
            try #require(result.status == 0, "exit \(String(describing: result.status)): \(result.stderrText)")
            let documents = try TopDocument.all(in: result.stdoutText)
            let document = try #require(documents.last, "no document: \(result.stdoutText)")
            #expect(documents.count == 1)
            #expect(document.source == exporter.metricsURL)
            #expect(document.topN == 50)
            #expect(document.listProblems.isEmpty, "\(document.listProblems)")
            let shown = Dictionary(document.processes.map { ($0.pid, $0.ranks) }, uniquingKeysWith: { first, _ in first })
            #expect(shown.count == document.processes.count, "a PID listed twice")

            let exported = Self.ranks(try await exporter.scrape())
            if shown == exported {
                #expect(!shown.isEmpty)
                return
            }
            let only = (Set(shown.keys).symmetricDifference(exported.keys)).sorted()
            mismatch = "PIDs in one only: \(only); ranks differ for: "
                + "\(shown.keys.filter { exported[$0] != nil && exported[$0] != shown[$0] }.sorted())"
        }
        Issue.record("sentry-top never showed the exporter's ranks: \(mismatch)")
    }

    @Test("--connect to a port nobody listens on: the status line shows the error, it keeps running, q quits")
    func unreachableExporterIsReportedNotFatal() async throws {
        let url = "http://127.0.0.1:\(try freeLoopbackPort())/metrics"
        let top = try await InteractiveTop.start(["--connect", url, "-d", "0.5"])
        defer { top.close() }
        _ = try await top.waitForScreen("the connection error on the status line") { screen in
            screen.statusLine.contains(url) && screen.statusLine.contains("Connection refused") ? true : nil
        }
        // Several failed refreshes later (0.5 s apart), still running and still saying why.
        try await Task.sleep(for: .milliseconds(1500))
        #expect(top.isRunning)
        let screen = try await top.tmux.capture()
        #expect(screen.statusLine.contains("Connection refused"), "\(screen)")
        #expect(screen.processHeaderIndex != nil, "the interface is gone:\n\(screen)")

        try await top.tmux.press("q")
        #expect(try await top.waitForExitStatus() == 0)
    }

    /// pid → list → rank, from the `proc_process_top_rank` series of a scrape.
    static func ranks(_ scrape: ScrapedMetrics) -> [Int32: [String: Int]] {
        var ranks: [Int32: [String: Int]] = [:]
        for sample in scrape.samples("proc_process_top_rank") {
            guard let pid = sample.pid, let list = sample.labels["list"] else { continue }
            ranks[pid, default: [:]][list] = Int(sample.value)
        }
        return ranks
    }
}
