import Foundation
import Testing

/// The exporter without privileges, and on a procfs that hides other users' processes: it
/// degrades to what it can read, says so once, and keeps serving.
@Suite("Restricted environments", .timeLimit(.minutes(2)))
struct RestrictedEnvironmentTests {
    @Test("as nobody: other users' IO is unreadable, counted and logged once; every process is still listed")
    func unprivileged() async throws {
        try #require(geteuid() == 0, "switching to nobody needs root")
        let exporter = try await start(shell: "exec setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all")
        defer { exporter.kill() }
        let scrape = try await exporter.scrape(afterScans: 3)
        let denied = try #require(scrape.value("proc_sentry_scan_unreadable_files", ["reason": "permission_denied"]))
        #expect(denied > 0)
        let listed = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { Int($0) != nil }.count
        let scanned = try #require(scrape.value("proc_sentry_processes_scanned"))
        #expect(abs(scanned - Double(listed)) < Double(listed) / 4, "scanned \(scanned) of about \(listed)")
        // Its own IO is readable; a root process's (PID 1's) is not, so it has no IO series.
        #expect(scrape.sample("proc_process_top_io_read_bytes_total", pid: exporter.child.pid) != nil)
        #expect(scrape.sample("proc_process_top_io_read_bytes_total", pid: 1) == nil)
        let warning = "Some processes' files are not readable"
        #expect(exporter.child.stderrText.components(separatedBy: warning).count == 2, "\(exporter.child.stderrText)")
    }

    @Test("hidepid=2 in a private mount namespace: only its own processes, a warning naming hidepid")
    func hiddenProcesses() async throws {
        try #require(geteuid() == 0, "mounting a procfs needs root")
        let mountPoint = try TemporaryDirectory("hidepid")
        defer { mountPoint.remove() }
        let exporter = try await start(
            shell: "mount -t proc -o hidepid=2 proc \(mountPoint.path("")) && "
                + "exec setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all",
            arguments: ["--path.procfs", mountPoint.path("")], privateMounts: true)
        defer { exporter.kill() }
        let scrape = try await exporter.scrape(afterScans: 3)
        let scanned = try #require(scrape.value("proc_sentry_processes_scanned"))
        #expect(scanned >= 1 && scanned <= 3, "nobody should see only the exporter: \(scanned)")
        #expect(exporter.child.stderrText.contains("procfs is mounted with hidepid"), "\(exporter.child.stderrText)")
        #expect(exporter.child.stderrText.contains("hidepid=invisible") || exporter.child.stderrText.contains("hidepid=2"))
    }

    @Test("no passwd file: users are UIDs, one warning naming the file, and it keeps serving")
    func missingPasswd() async throws {
        let exporter = try await ExporterProcess.start(["--scan.interval", "200ms", "--path.passwd", "/nonexistent/passwd"])
        defer { exporter.stop() }
        let scrape = try await exporter.scrape(afterScans: 3)
        let users = Set(scrape.samples("proc_process_top_memory_bytes").compactMap { $0.labels["user"] })
        #expect(!users.isEmpty && users.allSatisfy { UInt32($0) != nil }, "users: \(users)")
        let warning = "Cannot read the passwd file"
        #expect(exporter.stderrText.components(separatedBy: warning).count == 2, "\(exporter.stderrText)")
        #expect(exporter.stderrText.contains("/nonexistent/passwd"))
    }

    @Test("it writes nothing to disk: its write_bytes stays 0 over scans and scrapes")
    func noDiskWrites() async throws {
        // Nothing is logged below error, so not even its stderr (a file here) is written; the
        // port is chosen here since there is no start-up line to read it from.
        let port = try freeLoopbackPort()
        let child = try ChildProcess(
            try ExporterProcess.requireBinary(),
            ["--web.listen-address", "127.0.0.1:\(port)", "--scan.interval", "200ms", "--log.level", "error"],
            label: "exporter-quiet")
        defer { child.kill() }
        let url = "http://127.0.0.1:\(port)/metrics"
        _ = try await poll(timeout: .seconds(30), interval: .milliseconds(50), "the exporter to answer") { () -> Bool? in
            if child.hasExited { throw HarnessError("exited: \(child.stderrText)") }
            return (try? await curl(url))?.status == 200 ? true : nil
        }
        for _ in 0..<10 {
            _ = try await curl(url)
            _ = try await curl(url, ["-H", "Accept-Encoding: gzip"])
            try await Task.sleep(for: .milliseconds(200))
        }
        let io = try String(contentsOfFile: "/proc/\(child.pid)/io", encoding: .utf8)
        let writeBytes = io.split(separator: "\n").first { $0.hasPrefix("write_bytes:") }
        #expect(writeBytes == "write_bytes: 0", "\(io)")
        #expect(child.stderrText.isEmpty, "\(child.stderrText)")
    }

    /// The exporter on 127.0.0.1 with a free port, started through `sh -c "<shell> <exporter> …"`.
    private func start(shell: String, arguments: [String] = [], privateMounts: Bool = false) async throws -> ShellExporter {
        let binary = try ExporterProcess.requireBinary()
        let command = ([shell, "\"$0\"", "--web.listen-address", "127.0.0.1:0", "--scan.interval", "200ms"] + arguments)
            .joined(separator: " ")
        let child = try ChildProcess(
            privateMounts ? "/usr/bin/unshare" : "/bin/sh",
            (privateMounts ? ["-m", "/bin/sh"] : []) + ["-c", command, binary], label: "restricted-exporter")
        let port = try await poll(timeout: .seconds(30), interval: .milliseconds(50), "the exporter to listen") { () -> Int? in
            if child.hasExited { throw HarnessError("exited: \(child.stderrText)") }
            return ExporterProcess.startupPort(in: child.stderrText)
        }
        return ShellExporter(child: child, port: port)
    }
}

/// An exporter started through a shell (its PID is the shell's: the shell execs it).
struct ShellExporter {
    let child: ChildProcess
    let port: Int

    func scrape(afterScans count: Int) async throws -> ScrapedMetrics {
        try await poll(timeout: .seconds(30), interval: .milliseconds(100), "\(count) scans") { () -> ScrapedMetrics? in
            let scrape = try ScrapedMetrics(try await curl("http://127.0.0.1:\(port)/metrics").body)
            return (scrape.value("proc_sentry_scans_total") ?? 0) >= Double(count) ? scrape : nil
        }
    }

    func kill() { child.kill() }
}
