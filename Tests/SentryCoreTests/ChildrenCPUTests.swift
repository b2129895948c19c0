import Testing
@testable import SentryCore

/// Fake trees rewritten between scans, as the kernel would show a parent reaping its children:
/// 100 clock ticks a second, scans 1 s apart, so 100 ticks in an interval are 100 %.
@Suite("Children's CPU: exited work attributed to the parent, never twice")
struct ChildrenCPUTests {
    /// A tree, its collector and its clock, scanned once.
    struct Scenario {
        let tree: FakeProc
        let clock = ManualClock()
        let collector: Collector

        init(topN: Int = 50, _ setUp: (FakeProc) -> Void) throws {
            tree = try FakeProc()
            setUp(tree)
            collector = try tree.collector(topN: topN, clock: clock)
            _ = try collector.scan()
        }

        /// Rewrites the tree, then scans a second later.
        func scan(_ change: (FakeProc) -> Void) throws -> Snapshot {
            change(tree)
            clock.advance(by: 1)
            return try collector.scan()
        }
    }

    @Test("growth with no child ever seen is all the parent's children's CPU")
    func unseenChildren() throws {
        let run = try Scenario { $0.setProcess(pid: 10, name: "make", cpuTicks: 5, childrenTicks: 1000) }
        let snapshot = try run.scan { $0.setProcess(pid: 10, name: "make", cpuTicks: 6, childrenTicks: 1000 + 90) }
        let make = try #require(snapshot.process(10))
        #expect(make.cpuPercent == 1)
        #expect(make.childrenCPUPercent == 90)
        #expect(make.totalCPUPercent == 91)
        // The counter: all the children's CPU when first seen, plus the net growth since.
        #expect(make.childrenCPUSeconds == 10.9)
    }

    @Test("a seen child that exits is not counted twice: the parent gets only its unseen last moments")
    func seenChildExits() throws {
        let run = try Scenario {
            $0.setProcess(pid: 10, name: "bash")
            $0.setProcess(pid: 20, name: "burner", parentPID: 10, cpuTicks: 1000, startTicks: 50)
        }
        let burning = try run.scan { $0.setProcess(pid: 20, name: "burner", parentPID: 10, cpuTicks: 1100, startTicks: 50) }
        #expect(burning.process(20)?.cpuPercent == 100)
        #expect(burning.process(10)?.childrenCPUPercent == 0)

        // The child used 30 ticks more, then exited; the parent reaped it: its cutime grew by
        // all the child ever used (1130), of which the collector had seen 1100.
        let reaped = try run.scan {
            $0.removeProcess(20)
            $0.setProcess(pid: 10, name: "bash", childrenTicks: 1130)
        }
        let bash = try #require(reaped.process(10))
        #expect(bash.childrenCPUPercent == 30, "not 1130 % (capped at 200 %): the child's lifetime")
        #expect(bash.childrenCPUSeconds == 0.3)
    }

    @Test("a grandchild reaped by the child, then the child reaped by the parent: each tail once")
    func grandchildThenChild() throws {
        let run = try Scenario {
            $0.setProcess(pid: 10, name: "make")
            $0.setProcess(pid: 20, name: "sh", parentPID: 10, cpuTicks: 10)
            $0.setProcess(pid: 30, name: "cc1", parentPID: 20, cpuTicks: 100)
        }
        // cc1 burns 20 more ticks and exits; sh reaps it (its cutime: 120).
        let first = try run.scan {
            $0.removeProcess(30)
            $0.setProcess(pid: 20, name: "sh", parentPID: 10, cpuTicks: 10, childrenTicks: 120)
        }
        #expect(first.process(20)?.childrenCPUPercent == 20)
        #expect(first.process(10)?.childrenCPUPercent == 0)

        // sh uses 5 ticks more and exits; make reaps it: 15 own + 120 children's.
        let second = try run.scan {
            $0.removeProcess(20)
            $0.setProcess(pid: 10, name: "make", childrenTicks: 135)
        }
        #expect(second.process(10)?.childrenCPUPercent == 5)
    }

    @Test("a child and its own child exiting in the same interval: both credits reach the grandparent")
    func childAndGrandchildTogether() throws {
        let run = try Scenario {
            $0.setProcess(pid: 10, name: "make")
            $0.setProcess(pid: 20, name: "sh", parentPID: 10, cpuTicks: 10)
            $0.setProcess(pid: 30, name: "cc1", parentPID: 20, cpuTicks: 100)
        }
        // cc1 burns 20 more and exits, sh reaps it, uses 5 more and exits, make reaps sh:
        // make's cutime grows by sh's 15 and cc1's 120, of which 110 were seen.
        let snapshot = try run.scan {
            $0.removeProcess(30)
            $0.removeProcess(20)
            $0.setProcess(pid: 10, name: "make", childrenTicks: 135)
        }
        #expect(snapshot.process(10)?.childrenCPUPercent == 25)
    }

    @Test("an orphan is reaped by PID 1 (or a subreaper): its tail counts there")
    func orphanReapedByInit() throws {
        let run = try Scenario {
            $0.setProcess(pid: 1, name: "init", parentPID: 0, childrenTicks: 5000)
            $0.setProcess(pid: 40, name: "daemon", parentPID: 1, cpuTicks: 300)
        }
        let snapshot = try run.scan {
            $0.removeProcess(40)
            $0.setProcess(pid: 1, name: "init", parentPID: 0, childrenTicks: 5000 + 310)
        }
        #expect(snapshot.process(1)?.childrenCPUPercent == 10)
    }

    @Test("a reused PID: the old process's credit goes to its parent, the new one starts afresh")
    func pidReuse() throws {
        let run = try Scenario {
            $0.setProcess(pid: 10, name: "bash")
            $0.setProcess(pid: 50, name: "old", parentPID: 10, cpuTicks: 200, childrenTicks: 40, startTicks: 100)
        }
        let snapshot = try run.scan {
            $0.setProcess(pid: 10, name: "bash", childrenTicks: 250)  // old: 200 + 40 seen, 10 unseen
            $0.setProcess(pid: 50, name: "new", parentPID: 10, cpuTicks: 30, childrenTicks: 60, startTicks: 100_050)
        }
        #expect(snapshot.process(10)?.childrenCPUPercent == 10)
        let new = try #require(snapshot.process(50))
        #expect(new.cpuPercent == 30, "started after the previous scan: all its CPU is in the interval")
        #expect(new.childrenCPUPercent == 60)
        #expect(new.childrenCPUSeconds == 0.6)
    }

    @Test("a counter that goes backwards is no growth, and growth from there on counts")
    func backwards() throws {
        let run = try Scenario { $0.setProcess(pid: 10, childrenTicks: 1000) }
        let back = try run.scan { $0.setProcess(pid: 10, childrenTicks: 400) }
        #expect(back.process(10)?.childrenCPUPercent == 0)
        #expect(back.process(10)?.childrenCPUSeconds == 10)
        let on = try run.scan { $0.setProcess(pid: 10, childrenTicks: 450) }
        #expect(on.process(10)?.childrenCPUPercent == 50)
        #expect(on.process(10)?.childrenCPUSeconds == 10.5, "a counter never goes down")
    }

    @Test("a parent read before the reap shows the growth a scan later, and the credit waits for it")
    func creditCarriedOneScan() throws {
        let run = try Scenario {
            $0.setProcess(pid: 10, name: "bash")
            $0.setProcess(pid: 20, name: "child", parentPID: 10, cpuTicks: 500)
        }
        // The child vanished, but bash had been read before the reap: no growth yet.
        let gone = try run.scan { $0.removeProcess(20) }
        #expect(gone.process(10)?.childrenCPUPercent == 0)
        let reaped = try run.scan { $0.setProcess(pid: 10, name: "bash", childrenTicks: 520) }
        #expect(reaped.process(10)?.childrenCPUPercent == 20)
    }

    @Test("a credit never matched (the kernel reaped without counting) is dropped after one more scan")
    func creditDropped() throws {
        let run = try Scenario {
            $0.setProcess(pid: 10, name: "ignores-sigchld")
            $0.setProcess(pid: 20, name: "child", parentPID: 10, cpuTicks: 500)
        }
        _ = try run.scan { $0.removeProcess(20) }
        _ = try run.scan { _ in }
        let later = try run.scan { $0.setProcess(pid: 10, name: "ignores-sigchld", childrenTicks: 80) }
        #expect(later.process(10)?.childrenCPUPercent == 80)
    }

    @Test("children's CPU is capped at 100 per CPU")
    func cap() throws {
        let run = try Scenario { $0.setProcess(pid: 10) }
        let snapshot = try run.scan { $0.setProcess(pid: 10, childrenTicks: 100_000) }
        #expect(snapshot.process(10)?.childrenCPUPercent == 200)
    }

    @Test("the CPU list ranks by own plus children's CPU, and the others carry theirs")
    func ranking() throws {
        let run = try Scenario(topN: 1) {
            $0.setProcess(pid: 10, name: "make")
            $0.setProcess(pid: 11, name: "steady", cpuTicks: 0)
        }
        let snapshot = try run.scan {
            $0.setProcess(pid: 10, name: "make", cpuTicks: 2, childrenTicks: 95)
            $0.setProcess(pid: 11, name: "steady", cpuTicks: 60)
        }
        #expect(snapshot.lists[.cpu]!.map { snapshot.processes[$0].pid } == [10])
        #expect(snapshot.others.cpuPercent == 60)
        #expect(snapshot.others.childrenCPUPercent == 0)
        #expect(snapshot.total.totalCPUPercent == 157)
    }

    @Test("the others' children's CPU seconds add up over scans, whoever is in no list")
    func othersCounter() throws {
        let run = try Scenario(topN: 1) {
            $0.setProcess(pid: 10, name: "big", residentPages: 1000)
            $0.setProcess(pid: 11, name: "small", residentPages: 10)
        }
        // One list place per list: 10 by memory, 11 by CPU (its children's), so nothing is left...
        let first = try run.scan {
            $0.setProcess(pid: 10, name: "big", residentPages: 1000)
            $0.setProcess(pid: 11, name: "small", childrenTicks: 50, residentPages: 10)
        }
        #expect(first.othersChildrenCPUSeconds == 0)
        // ...until a third process outranks 11 by CPU: 11's 30 ticks are the others' now.
        let second = try run.scan {
            $0.setProcess(pid: 10, name: "big", residentPages: 1000)
            $0.setProcess(pid: 11, name: "small", childrenTicks: 80, residentPages: 10)
            $0.setProcess(pid: 12, name: "hog", cpuTicks: 90, startTicks: 100_150, residentPages: 10)
        }
        #expect(second.others.childrenCPUPercent == 30)
        #expect(second.othersChildrenCPUSeconds == 0.3)
        let third = try run.scan {
            $0.setProcess(pid: 10, name: "big", residentPages: 1000)
            $0.setProcess(pid: 11, name: "small", childrenTicks: 90, residentPages: 10)
            $0.setProcess(pid: 12, name: "hog", cpuTicks: 180, startTicks: 100_150, residentPages: 10)
        }
        #expect(third.othersChildrenCPUSeconds == 0.4)
    }

    @Test("unattributed CPU is the node's busy CPU less every process's own and children's")
    func unattributed() throws {
        let run = try Scenario {
            $0.setSystemTicks(busy: 0, idle: 0)
            $0.setProcess(pid: 10, name: "make")
            $0.setProcess(pid: 11, name: "steady")
        }
        let snapshot = try run.scan {
            // Each CPU 80 of 100 ticks busy: 160 % of one core.
            $0.setSystemTicks(busy: 80, idle: 20)
            $0.setProcess(pid: 10, name: "make", cpuTicks: 10, childrenTicks: 70)
            $0.setProcess(pid: 11, name: "steady", cpuTicks: 60)
        }
        let unattributed = try #require(snapshot.unattributedCPUPercent)
        #expect(abs(unattributed - 20) < 1e-9)
        #expect(abs(snapshot.total.totalCPUPercent + unattributed - snapshot.system.busyPercent!) < 1e-9)
    }

    @Test("the first scan has no children's CPU rate and no unattributed share")
    func firstScan() throws {
        let tree = try FakeProc()
        tree.setProcess(pid: 10, childrenTicks: 300)
        let snapshot = try tree.collector(clock: ManualClock()).scan()
        #expect(snapshot.process(10)?.childrenCPUPercent == nil)
        #expect(snapshot.process(10)?.childrenCPUSeconds == 3)
        #expect(snapshot.unattributedCPUPercent == nil)
    }
}

@Suite("Reaped children's credits")
struct ReapedChildrenLedgerTests {
    @Test("settling takes carried credits first, then this scan's, and carries what is left of those")
    func settle() {
        #expect(ReapedChildrenLedger.settle(growth: 100, carried: 0, new: 0) == (100, 0))
        #expect(ReapedChildrenLedger.settle(growth: 100, carried: 30, new: 50) == (20, 0))
        #expect(ReapedChildrenLedger.settle(growth: 100, carried: 130, new: 50) == (0, 50))
        #expect(ReapedChildrenLedger.settle(growth: 100, carried: 70, new: 50) == (0, 20))
        #expect(ReapedChildrenLedger.settle(growth: 0, carried: 0, new: 50) == (0, 50))
    }

    @Test("a credit whose parent exited too goes to the parent's parent; one with no reaper is dropped")
    func forwarding() {
        var ledger = ReapedChildrenLedger()
        ledger.recordExit(.init(pid: 20, parentPID: 10, seenTicks: 5))
        ledger.recordExit(.init(pid: 30, parentPID: 20, seenTicks: 7))
        ledger.recordExit(.init(pid: 40, parentPID: 99, seenTicks: 9))  // 99: never seen
        var credits: [Int: UInt64] = [:]
        ledger.distributeCredits(livePosition: { $0 == 10 ? 0 : nil }, credit: { credits[$1, default: 0] += $0 })
        #expect(credits == [0: 12])
    }

    @Test("a cycle of exited parents (PIDs reused in one interval) ends")
    func cycle() {
        var ledger = ReapedChildrenLedger()
        ledger.recordExit(.init(pid: 20, parentPID: 30, seenTicks: 5))
        ledger.recordExit(.init(pid: 30, parentPID: 20, seenTicks: 7))
        var credited = false
        ledger.distributeCredits(livePosition: { _ in nil }, credit: { _, _ in credited = true })
        #expect(!credited)
    }
}
