import Testing
@testable import SentryCore

/// Fake trees rewritten between scans 1 s apart (100 clock ticks = 100 % of a core), under
/// the rules that keep the exported set's churn low.
@Suite("Selection rules: two-scan entry, floors, hold")
struct SelectionRulesTests {
    /// A tree, its collector and its clock, scanned once with `rules`.
    struct Scenario {
        let tree: FakeProc
        let clock = ManualClock()
        let collector: Collector

        init(topN: Int = 50, rules: SelectionRules, _ setUp: (FakeProc) -> Void) throws {
            tree = try FakeProc()
            setUp(tree)
            collector = try tree.collector(topN: topN, selection: rules, clock: clock)
            _ = try collector.scan()
        }

        /// Rewrites the tree, then scans a second later.
        func scan(_ change: (FakeProc) -> Void = { _ in }) throws -> Snapshot {
            change(tree)
            clock.advance(by: 1)
            return try collector.scan()
        }
    }

    /// Two-scan entry and holding only, no floors.
    static let entryAndHold = SelectionRules(
        minimumScans: 2, minimumCPUPercent: 0, minimumResidentBytes: 0, minimumIOBytesPerSecond: 0, holdScans: 2)

    @Test("a process seen at one scan only is never exported; a new hog is, at its second scan")
    func twoScanEntry() throws {
        let run = try Scenario(rules: Self.entryAndHold) { $0.setProcess(pid: 10, name: "steady", cpuTicks: 0) }
        // A compiler that started after the previous scan: 90 % of a core and 500 MiB, and gone.
        let flash = try run.scan {
            $0.setProcess(pid: 10, name: "steady", cpuTicks: 10)
            $0.setProcess(pid: 20, name: "cc1", cpuTicks: 90, startTicks: 100_050, residentPages: 128_000)
        }
        #expect(flash.process(20)?.cpuPercent == 90)
        #expect(flash.process(20)?.isExported == false, "a one-scan flash exports nothing")
        #expect(flash.others.cpuPercent == 90, "its CPU is in the others")
        #expect(flash.selectedProcesses.map(\.pid) == [10])

        // Seen at two consecutive scans: exported at the second.
        let hog = try run.scan {
            $0.setProcess(pid: 10, name: "steady", cpuTicks: 20)
            $0.setProcess(pid: 20, name: "cc1", cpuTicks: 190, startTicks: 100_050, residentPages: 128_000)
        }
        #expect(hog.process(20)?.ranks == TopRanks(cpu: 1, memory: 1))
        #expect(hog.processesEntered == 2)  // 10 at the first scan, 20 now
    }

    @Test("a new process takes its place unexported: it does not let in one it would push out next")
    func newProcessTakesItsPlace() throws {
        let run = try Scenario(topN: 2, rules: Self.entryAndHold) {
            $0.setProcess(pid: 10, name: "big", residentPages: 1000)
            $0.setProcess(pid: 11, name: "medium", residentPages: 500)
            $0.setProcess(pid: 12, name: "small", residentPages: 100)
        }
        // 11 exits as a larger process starts: the true top 2 are 20 (new) and 10.
        let snapshot = try run.scan {
            $0.setProcess(pid: 10, name: "big", residentPages: 1000)
            $0.removeProcess(11)
            $0.setProcess(pid: 12, name: "small", residentPages: 100)
            $0.setProcess(pid: 20, name: "new", startTicks: 100_050, residentPages: 2000)
        }
        #expect(snapshot.lists[.memory]!.map { snapshot.processes[$0].pid } == [10])
        #expect(snapshot.process(12)?.isExported == false, "not let in for a single scan")
        #expect(snapshot.process(20)?.isExported == false)
        let next = try run.scan {
            $0.setProcess(pid: 10, name: "big", residentPages: 1000)
            $0.setProcess(pid: 12, name: "small", residentPages: 100)
            $0.setProcess(pid: 20, name: "new", startTicks: 100_050, residentPages: 2000)
        }
        #expect(next.lists[.memory]!.map { next.processes[$0].pid } == [20, 10])
        #expect(next.processesEntered == 3, "10, 11 and 20; never 12")
    }

    @Test("on the collector's first scan every process counts as seen before")
    func firstScan() throws {
        let tree = try FakeProc()
        tree.setProcess(pid: 10, residentPages: 1000)
        let snapshot = try tree.collector(selection: Self.entryAndHold, clock: ManualClock()).scan()
        #expect(snapshot.process(10)?.ranks.memory == 1)
    }

    @Test("below a list's floor a process is no candidate for that list")
    func floors() throws {
        let rules = SelectionRules(
            minimumScans: 1, minimumCPUPercent: 5, minimumResidentBytes: 1 << 20, minimumIOBytesPerSecond: 4096,
            holdScans: 0)
        let run = try Scenario(rules: rules) {
            $0.setProcess(pid: 10, name: "idle")
            $0.setProcess(pid: 11, name: "busy")
        }
        let snapshot = try run.scan {
            // 4 % CPU, 256 pages (1 MiB), 2 KiB/s: all below; and all at or above.
            $0.setProcess(pid: 10, name: "idle", cpuTicks: 4, residentPages: 255, io: (0, 2048))
            $0.setProcess(pid: 11, name: "busy", cpuTicks: 5, residentPages: 256, io: (0, 4096))
        }
        #expect(snapshot.process(10)?.isExported == false)
        #expect(snapshot.process(11)?.ranks == TopRanks(cpu: 1, memory: 1, io: 1))
        #expect(snapshot.others.cpuPercent == 4)
    }

    @Test("a process that leaves every list stays exported for the hold, with no rank, then leaves")
    func hold() throws {
        let run = try Scenario(topN: 1, rules: Self.entryAndHold) {
            $0.setProcess(pid: 10, name: "first", residentPages: 1000)
            $0.setProcess(pid: 11, name: "second", residentPages: 10)
        }
        // 11 outgrows 10: 10 leaves the memory list, held for two scans.
        var snapshots: [Snapshot] = []
        for _ in 0..<3 {
            snapshots.append(try run.scan {
                $0.setProcess(pid: 10, name: "first", residentPages: 1000)
                $0.setProcess(pid: 11, name: "second", residentPages: 2000)
            })
        }
        for snapshot in snapshots.prefix(2) {
            let held = try #require(snapshot.process(10))
            #expect(held.isHeld && held.ranks == TopRanks() && held.isExported)
            #expect(snapshot.heldCount == 1)
            #expect(snapshot.selectedProcesses.map(\.pid) == [10, 11])
            #expect(snapshot.others.processCount == 0)
        }
        #expect(snapshots[2].process(10)?.isExported == false, "after two held scans it leaves")
        #expect(snapshots[2].others.processCount == 1)
        #expect(snapshots[2].processesEntered == 2 && snapshots[2].processesLeft == 1)
    }

    @Test("a held process back in a list is listed again, and its hold starts afresh when it leaves")
    func holdRenewed() throws {
        let run = try Scenario(topN: 1, rules: Self.entryAndHold) {
            $0.setProcess(pid: 10, name: "a", residentPages: 1000)
            $0.setProcess(pid: 11, name: "b", residentPages: 10)
        }
        func sizes(_ a: UInt64, _ b: UInt64) -> (FakeProc) -> Void {
            { tree in
                tree.setProcess(pid: 10, name: "a", residentPages: a)
                tree.setProcess(pid: 11, name: "b", residentPages: b)
            }
        }
        #expect(try run.scan(sizes(1000, 2000)).process(10)?.isHeld == true)
        #expect(try run.scan(sizes(3000, 2000)).process(10)?.ranks.memory == 1)
        let held = try run.scan(sizes(1000, 2000))
        #expect(held.process(10)?.isHeld == true && held.process(11)?.isHeld == false)
        #expect(try run.scan(sizes(1000, 2000)).process(10)?.isHeld == true, "a fresh hold of two scans")
        #expect(held.processesLeft == 0, "flapping around the N-th place never left the exported set")
    }

    @Test("at equal keys the process exported at the last scan keeps its place")
    func tiesToTheExported() throws {
        let run = try Scenario(topN: 1, rules: SelectionRules.naive) {
            $0.setProcess(pid: 20, name: "incumbent", residentPages: 100)
            $0.setProcess(pid: 10, name: "smaller-pid", residentPages: 50)
        }
        let snapshot = try run.scan {
            $0.setProcess(pid: 20, name: "incumbent", residentPages: 100)
            $0.setProcess(pid: 10, name: "smaller-pid", residentPages: 100)
        }
        #expect(snapshot.lists[.memory]!.map { snapshot.processes[$0].pid } == [20])
    }

    @Test("a held process that exits leaves at once; a reused PID does not inherit the hold")
    func exitAndReuseDuringHold() throws {
        let run = try Scenario(topN: 1, rules: Self.entryAndHold) {
            $0.setProcess(pid: 10, name: "a", residentPages: 1000)
            $0.setProcess(pid: 11, name: "b", residentPages: 10)
            $0.setProcess(pid: 12, name: "c", residentPages: 500)
        }
        let held = try run.scan {
            $0.setProcess(pid: 10, name: "a", residentPages: 1000)
            $0.setProcess(pid: 11, name: "b", residentPages: 2000)
            $0.setProcess(pid: 12, name: "c", residentPages: 500)
        }
        #expect(held.process(10)?.isHeld == true)
        let after = try run.scan {
            $0.removeProcess(10)  // exited during its hold
            $0.setProcess(pid: 11, name: "b", residentPages: 2000)
            $0.setProcess(pid: 12, name: "c2", startTicks: 100_050, residentPages: 500)  // PID 12 reused
        }
        #expect(after.process(10) == nil)
        #expect(after.processesLeft == 1, "the exited held process left the exported set")
        #expect(after.process(12)?.isExported == false, "the new process of PID 12 is not held")
        // An exported process whose PID is reused leaves too.
        let reused = try run.scan {
            $0.setProcess(pid: 11, name: "b2", startTicks: 100_250, residentPages: 10)
            $0.setProcess(pid: 12, name: "c2", startTicks: 100_050, residentPages: 500)
        }
        #expect(reused.processesLeft == 2)
        #expect(after.selectedProcesses.map(\.pid) == [11])
    }

    @Test("with the hold off a process leaves the exported set as soon as it leaves the lists")
    func holdOff() throws {
        var rules = Self.entryAndHold
        rules.holdScans = 0
        let run = try Scenario(topN: 1, rules: rules) {
            $0.setProcess(pid: 10, name: "a", residentPages: 1000)
            $0.setProcess(pid: 11, name: "b", residentPages: 10)
        }
        let snapshot = try run.scan {
            $0.setProcess(pid: 10, name: "a", residentPages: 1000)
            $0.setProcess(pid: 11, name: "b", residentPages: 2000)
        }
        #expect(snapshot.process(10)?.isExported == false)
        #expect(snapshot.heldCount == 0)
    }
}
