import Glibc
import Testing
@testable import SentryCore

@Suite("Rates between scans")
struct CollectorRateTests {
    @Test("CPU percent is top's: 100 = one core busy over the interval")
    func cpuPercent() throws {
        let tree = try FakeProc()
        let clock = ManualClock()
        tree.setProcess(pid: 10, cpuTicks: 1000)
        tree.setProcess(pid: 11, cpuTicks: 500)
        let collector = try tree.collector(clock: clock)
        #expect(try collector.scan().process(10)?.cpuPercent == nil)

        clock.advance(by: 2)
        tree.setProcess(pid: 10, cpuTicks: 1000 + 100)  // 1 s of CPU in 2 s
        tree.setProcess(pid: 11, cpuTicks: 500 + 300)  // 3 s in 2 s: one and a half cores
        let snapshot = try collector.scan()
        #expect(snapshot.interval == 2)
        #expect(snapshot.process(10)?.cpuPercent == 50)
        #expect(snapshot.process(11)?.cpuPercent == 150)
        #expect(snapshot.lists[.cpu]!.map { snapshot.processes[$0].pid } == [11, 10])
    }

    @Test("rates are over the time between two readings of the process, not between scan starts")
    func perProcessInterval() throws {
        /// Scans start on whole seconds; each process is read when the test says.
        final class LateReadingClock: ScanClock, @unchecked Sendable {
            var scanStart = 1000.0
            var readAt = 1000.0
            func now() -> ScanInstant { ScanInstant(sinceBoot: scanStart, wallClock: 1_795_601_000 + scanStart) }
            func sinceBoot() -> Double { readAt }
        }
        let tree = try FakeProc()
        let clock = LateReadingClock()
        tree.setProcess(pid: 10, cpuTicks: 1000, io: (0, 0))
        let collector = try tree.collector(clock: clock)
        _ = try collector.scan()

        // The next scan starts a second later but reaches the process only after 0.25 s more
        // (descheduled on a loaded machine): in 1.25 s between the readings it used 1.25 s.
        clock.scanStart = 1001
        clock.readAt = 1001.25
        tree.setProcess(pid: 10, cpuTicks: 1000 + 125, io: (0, 2500))
        let snapshot = try collector.scan()
        #expect(snapshot.interval == 1)
        #expect(snapshot.process(10)?.cpuPercent == 100, "not 125: the scans' starts were 1 s apart")
        #expect(snapshot.process(10)?.writeBytesPerSecond == 2000)
    }

    @Test("CPU percent is capped at 100 per CPU")
    func cpuCap() throws {
        let tree = try FakeProc()
        let clock = ManualClock()
        tree.setProcess(pid: 10, cpuTicks: 0)
        let collector = try tree.collector(clock: clock)
        _ = try collector.scan()
        clock.advance(by: 1)
        tree.setProcess(pid: 10, cpuTicks: 1000)  // 10 s in 1 s on a 2-CPU machine
        #expect(try collector.scan().process(10)?.cpuPercent == 200)
    }

    @Test("IO rates are storage bytes per second")
    func ioRates() throws {
        let tree = try FakeProc()
        let clock = ManualClock()
        tree.setProcess(pid: 10, io: (1000, 5000))
        tree.setProcess(pid: 11, io: (0, 0))
        let collector = try tree.collector(clock: clock)
        _ = try collector.scan()
        clock.advance(by: 4)
        tree.setProcess(pid: 10, io: (1000 + 4096, 5000 + 40960))
        tree.setProcess(pid: 11, io: (0, 0))
        let snapshot = try collector.scan()
        let process = try #require(snapshot.process(10))
        #expect(process.readBytesPerSecond == 1024)
        #expect(process.writeBytesPerSecond == 10240)
        #expect(process.ioBytesPerSecond == 11264)
        #expect(snapshot.lists[.io]!.map { snapshot.processes[$0].pid } == [10])  // 11 did no IO
    }

    @Test("a reused PID is a new process: no negative or huge rate from the old one's counters")
    func pidReuse() throws {
        let tree = try FakeProc()
        let clock = ManualClock(sinceBoot: 1000)
        tree.setProcess(pid: 10, name: "old", cpuTicks: 90_000, startTicks: 100, io: (1 << 40, 1 << 40))
        let collector = try tree.collector(clock: clock)
        _ = try collector.scan()

        // The old process exits and a new one gets its PID, started after the previous scan.
        clock.advance(by: 10)
        tree.setProcess(pid: 10, name: "new", cpuTicks: 200, startTicks: 100_500, io: (8192, 0))
        let snapshot = try collector.scan()
        let process = try #require(snapshot.process(10))
        #expect(process.name == "new")
        #expect(process.identity.startTicks == 100_500)
        #expect(process.cpuPercent == 20)  // all 2 s it used fall in this 10 s interval
        #expect(process.readBytesPerSecond == 819.2)
        #expect(process.writeBytesPerSecond == 0)
    }

    @Test("a process first seen now that started before the previous scan gets no rate")
    func unseenOldProcess() throws {
        let tree = try FakeProc()
        let clock = ManualClock(sinceBoot: 1000)
        let collector = try tree.collector(clock: clock)
        _ = try collector.scan()
        clock.advance(by: 5)
        tree.setProcess(pid: 20, cpuTicks: 50_000, startTicks: 500)  // started at 5 s after boot
        let process = try #require(try collector.scan().process(20))
        #expect(process.cpuPercent == nil)
        #expect(process.readBytesPerSecond == nil)
    }

    @Test("counters that go backwards give zero, not a negative or huge rate")
    func countersBackwards() throws {
        let tree = try FakeProc()
        let clock = ManualClock()
        tree.setProcess(pid: 10, cpuTicks: 5000, io: (10_000, 10_000))
        let collector = try tree.collector(clock: clock)
        _ = try collector.scan()
        clock.advance(by: 1)
        tree.setProcess(pid: 10, cpuTicks: 4990, io: (9_000, 9_000))
        let process = try #require(try collector.scan().process(10))
        #expect(process.cpuPercent == 0)
        #expect(process.readBytesPerSecond == 0)
        #expect(process.writeBytesPerSecond == 0)
    }

    @Test("rates continue across scans; exited processes are forgotten")
    func sweep() throws {
        let tree = try FakeProc()
        let clock = ManualClock()
        tree.setProcess(pid: 10, cpuTicks: 0)
        tree.setProcess(pid: 11, cpuTicks: 0)
        let collector = try tree.collector(clock: clock)
        _ = try collector.scan()
        clock.advance(by: 1)
        tree.removeProcess(11)
        tree.setProcess(pid: 10, cpuTicks: 10)
        let second = try collector.scan()
        #expect(second.processes.map(\.pid) == [10])
        #expect(second.process(10)?.cpuPercent == 10)
        clock.advance(by: 1)
        tree.setProcess(pid: 10, cpuTicks: 40)
        // 11 comes back with the same start time it had: a record was not kept, so it is
        // treated as unseen (it started long before the previous scan) and gets no rate.
        tree.setProcess(pid: 11, cpuTicks: 500)
        let third = try collector.scan()
        #expect(third.process(10)?.cpuPercent == 30)
        #expect(third.process(11)?.cpuPercent == nil)
    }

    @Test("a process in two lists is exported once, with both ranks; memory-heavy idle processes are exported")
    func twoLists() throws {
        let tree = try FakeProc()
        let clock = ManualClock()
        tree.setProcess(pid: 10, name: "busy", cpuTicks: 0, residentPages: 10)
        tree.setProcess(pid: 11, name: "hog", cpuTicks: 0, residentPages: 100_000)
        tree.setProcess(pid: 12, name: "both", cpuTicks: 0, residentPages: 50_000)
        tree.setProcess(pid: 13, name: "idle", cpuTicks: 0, residentPages: 1)
        let collector = try tree.collector(topN: 2, clock: clock)
        _ = try collector.scan()
        clock.advance(by: 1)
        tree.setProcess(pid: 10, name: "busy", cpuTicks: 90, residentPages: 10)
        tree.setProcess(pid: 11, name: "hog", cpuTicks: 0, residentPages: 100_000)
        tree.setProcess(pid: 12, name: "both", cpuTicks: 50, residentPages: 50_000)
        tree.setProcess(pid: 13, name: "idle", cpuTicks: 0, residentPages: 1)
        let snapshot = try collector.scan()
        #expect(snapshot.process(10)?.ranks == TopRanks(cpu: 1))
        #expect(snapshot.process(11)?.ranks == TopRanks(memory: 1))
        #expect(snapshot.process(12)?.ranks == TopRanks(cpu: 2, memory: 2))
        #expect(snapshot.process(13)?.ranks == TopRanks())
        #expect(snapshot.selected.map { snapshot.processes[$0].pid } == [10, 11, 12])
        #expect(snapshot.others.processCount == 1)
        #expect(snapshot.others.residentBytes == 4096)
        #expect(snapshot.others.cpuPercent + snapshot.selectedProcesses.reduce(0) { $0 + ($1.cpuPercent ?? 0) }
            == snapshot.total.cpuPercent)

        // What the exporter keeps between scans: the same lists and exposition, without PID 13.
        let kept = snapshot.selectedOnly()
        #expect(kept.processes.map(\.pid) == [10, 11, 12])
        #expect(kept.selected == [0, 1, 2])
        for list in TopList.allCases {
            #expect(kept.lists[list]?.map { kept.processes[$0].pid } == snapshot.lists[list]?.map { snapshot.processes[$0].pid })
        }
        let exposition = Exposition(version: "1", scans: 2, scanFailures: 0, ownProcess: nil)
        #expect(exposition.render(kept) == exposition.render(snapshot))
    }

    @Test("a name change (exec) re-reads the cgroup; an unchanged name keeps the cached container")
    func containerRefresh() throws {
        let tree = try FakeProc()
        let clock = ManualClock()
        let docker = "0::/system.slice/docker-8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3.scope"
        tree.setProcess(pid: 10, name: "runc:[2:INIT]", cgroup: "0::/system.slice/docker.service")
        let collector = try tree.collector(clock: clock)
        #expect(try collector.scan().process(10)?.container == nil)
        clock.advance(by: 1)
        tree.setProcess(pid: 10, name: "nginx", cgroup: docker)
        #expect(try collector.scan().process(10)?.container?.id.hasPrefix("8dde0b0d") == true)
        // Same name: the cgroup is not read again (rewriting it here shows that).
        clock.advance(by: 1)
        tree.setProcess(pid: 10, name: "nginx", cgroup: "0::/system.slice/docker.service")
        #expect(try collector.scan().process(10)?.container?.id.hasPrefix("8dde0b0d") == true)
    }

    @Test("status is read for new processes and again only when the directory's owner (the effective UID) changes")
    func uidRefresh() throws {
        try #require(geteuid() == 0, "changing a directory's owner needs root")
        let tree = try FakeProc()
        let clock = ManualClock()
        tree.setProcess(pid: 10, uid: 0)
        let collector = try tree.collector(clock: clock)
        #expect(try collector.scan().process(10)?.user == "root")

        // Same owner: the cached UID stands and status is not read (a real status would not
        // change without the owner changing; rewriting it here shows it is not read).
        clock.advance(by: 1)
        tree.setProcess(pid: 10, uid: 1000)
        #expect(try collector.scan().process(10)?.user == "root")

        // A setuid changes the owner: status is read again.
        clock.advance(by: 1)
        #expect(chown("\(tree.root)/10", 1000, 1000) == 0)
        let process = try #require(try collector.scan().process(10))
        #expect(process.uid == 1000)
        #expect(process.user == "alice")
    }

    @Test("whole-machine CPU from /proc/stat")
    func systemUsage() throws {
        let tree = try FakeProc()
        let clock = ManualClock()
        tree.setSystemTicks(busy: 100, idle: 100)
        let collector = try tree.collector(clock: clock)
        #expect(try collector.scan().system.busyFraction == nil)
        clock.advance(by: 1)
        tree.setSystemTicks(busy: 175, idle: 125)
        let usage = try collector.scan().system
        #expect(usage.busyFraction == 0.75)
        #expect(usage.perCPUBusyFraction == [0.75, 0.75])
    }
}
