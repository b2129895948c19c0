import Foundation
import Testing
import TestSupport

/// sentry-top against processes whose use is known: a busy loop must lead the CPU list and a
/// large holder the memory list, on screen, in `--batch` and in `--json`.
///
/// One test at a time: two of our busy loops at once would tie for the first row on a 2-core
/// machine. The loop is niced up (we may be root) so that it keeps a core while builds run;
/// another suite's loop may still compete for a moment, so each check polls or retries.
@Suite("sentry-top end to end: known workloads", .serialized, .timeLimit(.minutes(3)))
struct KnownWorkloadTests {
    /// Large enough to lead the memory list over compilers and test runners on the machine.
    static let holderMebibytes = 1024

    @Test("The busy loop is the first row of the CPU tab, the holder of the Memory tab (keys 2 and Tab)")
    func interactiveFirstRows() async throws {
        let (holder, burner) = try await startWorkloads()
        defer {
            burner.kill()
            holder.kill()
        }
        let top = try await InteractiveTop.start(["-d", "0.5"])
        defer { top.close() }

        try await expectFirstRow(burner.pid, on: "CPU", top)
        try await top.tmux.press("2")
        try await expectFirstRow(holder.pid, on: "Memory", top)
        try await top.tmux.press("1")
        try await expectFirstRow(burner.pid, on: "CPU", top)
        try await top.tmux.press("Tab")
        try await expectFirstRow(holder.pid, on: "Memory", top)
    }

    @Test("--json: the loop is CPU rank 1 at about one core, the holder's RSS is right, every list is 1…k ≤ N")
    func jsonAgainstTheKernel() async throws {
        let (holder, burner) = try await startWorkloads()
        defer {
            burner.kill()
            holder.kill()
        }
        let holderSize = Double(Self.holderMebibytes << 20)

        // Retried: on a loaded machine even the niced loop may get less than a core for a
        // moment, and a process may briefly outrun it. A wrong figure fails every attempt.
        let document = try await retrying("a --json refresh with the loop at CPU rank 1, 60 to 130 %") { () -> TopDocument? in
            let result = try await SentryTopBinary.run(["--json", "--iterations", "2", "-d", "0.5"])
            try #require(result.status == 0, "exit \(String(describing: result.status)): \(result.stderrText)")
            let documents = try TopDocument.all(in: result.stdoutText)
            try #require(documents.count == 2, "one document per refresh: \(result.stdoutText.prefix(500))")
            let last = documents[1]
            if let loop = last.process(burner.pid), loop.ranks["cpu"] == 1, (60...130).contains(loop.cpuPercent ?? 0) {
                return last
            }
            print("loop \(burner.pid) not first at about a core; CPU list: \(last.members(of: "cpu").prefix(3).map { ($0.pid, $0.name, $0.cpuPercent) })")
            return nil
        }

        let loop = try #require(document.process(burner.pid))
        let cpu = try #require(loop.cpuPercent)
        #expect((60...130).contains(cpu), "a busy loop at \(cpu) % of a core")
        let held = try #require(document.process(holder.pid), "holder \(holder.pid) not exported")
        #expect(held.ranks["memory"] != nil, "holder not in the memory list: \(held.ranks)")
        let resident = try #require(held.residentBytes)
        #expect(abs(resident - holderSize) <= holderSize * 0.10, "holder RSS \(resident) for \(holderSize) bytes held")
        #expect(document.topN == 50)
        #expect(document.source == "local")
        #expect(document.listProblems.isEmpty, "\(document.listProblems)")
    }

    @Test("--batch: the loop's PID is the first row of the process table (sorted by CPU), the holder is in it")
    func batchTextLeadsWithTheLoop() async throws {
        let (holder, burner) = try await startWorkloads()
        defer {
            burner.kill()
            holder.kill()
        }

        let rows = try await retrying("a --batch refresh led by the loop") { () -> [ProcessLine]? in
            let result = try await SentryTopBinary.run(["--batch", "--iterations", "2", "-d", "0.5"])
            try #require(result.status == 0, "exit \(String(describing: result.status)): \(result.stderrText)")
            let refreshes = BatchText.refreshes(in: result.stdoutText)
            try #require(refreshes.count == 2, "one table per refresh:\n\(result.stdoutText)")
            let rows = try #require(BatchText.processRows(in: refreshes[1]), "no process table:\n\(refreshes[1])")
            if rows.first?.pid == burner.pid { return rows }
            print("loop \(burner.pid) not first:\n\(refreshes[1].prefix(8).joined(separator: "\n"))")
            return nil
        }
        #expect(rows.contains { $0.pid == holder.pid }, "holder \(holder.pid) missing from the process table")
    }

    /// The memory holder, then the busy loop. The holder first and niced too: under a niced
    /// loop, filling a gibibyte at the default priority takes far longer.
    private func startWorkloads() async throws -> (holder: ChildProcess, burner: ChildProcess) {
        let holder = try await Workload.memoryHolder(mebibytes: Self.holderMebibytes, niceness: -10)
        do {
            return (holder, try await Workload.cpuBurner(niceness: -10))
        } catch {
            holder.kill()
            throw error
        }
    }

    /// Waits until `pid` heads the table of `tab`.
    private func expectFirstRow(_ pid: Int32, on tab: String, _ top: InteractiveTop) async throws {
        _ = try await top.waitForScreen(timeout: .seconds(45), "\(pid) as the first row of the \(tab) tab") { screen in
            screen.tabByInitialSort == tab && screen.processRows.first??.pid == pid ? true : nil
        }
    }

    /// Runs `attempt` up to `attempts` times until it returns a value.
    private func retrying<T>(
        _ what: String, attempts: Int = 8, _ attempt: () async throws -> T?
    ) async throws -> T {
        for _ in 0..<attempts {
            if let value = try await attempt() { return value }
        }
        throw HarnessError("no \(what) in \(attempts) attempts")
    }
}

/// `--batch` output: per refresh a title line, figures, the process table, the container table.
enum BatchText {
    /// The refreshes, each from its `sentry-top <version> - ` title line.
    static func refreshes(in output: String) -> [[String]] {
        var refreshes: [[String]] = []
        for line in output.components(separatedBy: "\n") {
            if line.hasPrefix("sentry-top ") && line.contains(" - source ") {
                refreshes.append([])
            }
            if !refreshes.isEmpty { refreshes[refreshes.count - 1].append(line) }
        }
        return refreshes
    }

    /// The rows of the process table (titles `PID USER CPU% …`, up to the blank line); nil if
    /// there is no such table or a row does not parse.
    static func processRows(in refresh: [String]) -> [ProcessLine]? {
        guard let header = refresh.firstIndex(where: { $0.split(separator: " ").starts(with: ["PID", "USER", "CPU%"]) })
        else { return nil }
        let rows = refresh[(header + 1)...].prefix { !$0.isEmpty }.map(ProcessLine.init)
        guard rows.allSatisfy({ $0 != nil }) else { return nil }
        return rows.map { $0! }
    }
}
