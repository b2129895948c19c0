import Foundation
import Testing

@testable import SentryCore

@Suite("Descriptors kept between scans")
struct KeptDescriptorTests {
    @Test("procfs: a descriptor kept open reads current values, and fails once its process exits")
    func procfsSemantics() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        let procFS = try ProcFS()
        let fd = try procFS.open(ProcPath(pid: child.processIdentifier, "stat"))
        defer { close(fd) }
        let first = try #require(try procFS.read(descriptor: fd, ProcessStat.parse))
        let again = try #require(try procFS.read(descriptor: fd, ProcessStat.parse))
        #expect(first.startTicks == again.startTicks)

        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(throws: ReadFailure.vanished) { try procFS.read(descriptor: fd) { $0.count } }
    }

    @Test("within any budget the snapshots are the same, and exited processes give their descriptors back")
    func budget() throws {
        let tree = try FakeProc()
        for pid: Int32 in 10...14 { tree.setProcess(pid: pid, cpuTicks: UInt64(pid), io: (UInt64(pid), 0)) }
        let clocks = [ManualClock(), ManualClock(), ManualClock()]
        let collectors = try [0, 3, 100].enumerated().map { index, limit in
            try Collector(
                configuration: CollectorConfiguration(
                    procRoot: tree.root, passwdPath: tree.passwd, clockTicksPerSecond: 100, pageSize: 4096,
                    keptDescriptorLimit: limit),
                clock: clocks[index])
        }
        func scanAll() throws -> [[ProcessSample]] {
            try collectors.map { try $0.scan().processes }
        }
        _ = try scanAll()
        #expect(collectors.map(\.keptDescriptorsAvailable) == [0, 0, 90])

        for clock in clocks { clock.advance(by: 1) }
        for pid: Int32 in 10...14 { tree.setProcess(pid: pid, cpuTicks: UInt64(pid) + 50, io: (UInt64(pid) + 4096, 0)) }
        let second = try scanAll()
        #expect(second[1] == second[0])
        #expect(second[2] == second[0])
        #expect(second[0].map(\.cpuPercent) == Array(repeating: 50, count: 5))

        tree.removeProcess(12)
        tree.removeProcess(14)
        for clock in clocks { clock.advance(by: 1) }
        let third = try scanAll()
        #expect(third.map { $0.map(\.pid) } == Array(repeating: [10, 11, 13], count: 3))
        #expect(collectors.map(\.keptDescriptorsAvailable) == [0, 0, 94])

        // A new process whose stat cannot be parsed keeps no descriptor.
        tree.write("20/stat", "20 (broken\n")
        for clock in clocks { clock.advance(by: 1) }
        _ = try scanAll()
        #expect(collectors.map(\.keptDescriptorsAvailable) == [0, 0, 94])
    }
}
