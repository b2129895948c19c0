import Foundation
import Testing

/// The descriptors kept open between scans are bounded by RLIMIT_NOFILE; running out is logged
/// once and changes nothing in what is exported.
@Suite("Kept descriptors", .timeLimit(.minutes(2)))
struct DescriptorBudgetTests {
    @Test("under a hard limit of 1030 open files: one warning, every process still scanned")
    func lowFileLimit() async throws {
        let binary = try ExporterProcess.requireBinary()
        let child = try ChildProcess(
            "/bin/sh",
            ["-c", "ulimit -n 1030 && exec \"$0\" --web.listen-address 127.0.0.1:0 --scan.interval 200ms", binary],
            label: "exporter-low-nofile")
        defer { child.kill() }
        let warning = "Out of file descriptors to keep open between scans"
        _ = try await poll(timeout: .seconds(30), interval: .milliseconds(100), "the descriptor warning") { () -> Bool? in
            if child.hasExited { throw HarnessError("exited: \(child.stderrText)") }
            return child.stderrText.contains(warning) ? true : nil
        }
        let port = try #require(ExporterProcess.startupPort(in: child.stderrText))
        let scrape = try await poll(timeout: .seconds(30), interval: .milliseconds(200), "a scan after the warning") {
            () -> ScrapedMetrics? in
            let scrape = try ScrapedMetrics(try await curl("http://127.0.0.1:\(port)/metrics").body)
            return (scrape.value("proc_sentry_scans_total") ?? 0) >= 5 ? scrape : nil
        }
        // Far more processes than the 3 whose descriptors fit, all read.
        let scanned = try #require(scrape.value("proc_sentry_processes_scanned"))
        let listed = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { Int($0) != nil }.count
        #expect(scanned > 10 && abs(scanned - Double(listed)) < Double(listed) / 4, "scanned \(scanned) of about \(listed)")
        #expect(scrape.value("process_open_fds").map { $0 < 1030 } == true)
        #expect(child.stderrText.components(separatedBy: warning).count == 2, "warned more than once: \(child.stderrText)")
    }
}
