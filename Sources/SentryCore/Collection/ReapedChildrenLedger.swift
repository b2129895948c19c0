/// Keeps CPU that exited processes used from being counted twice, or not at all.
///
/// When a process reaps a child, the kernel adds everything that child used (its own CPU and
/// what its own reaped children used) to the process's children's CPU (`cutime + cstime`,
/// `ProcessStat.childrenTicks`). That growth is how the work of processes too short-lived for
/// any scan to see reaches the collector. But the collector has already counted, as the child's
/// own CPU, whatever it saw of the child alive, so each seen process that exits leaves a
/// *credit*: its last-seen own plus children's CPU, to be taken off its parent's next growth.
/// What is left, the parent's net children's CPU, is the work nobody saw: children that lived
/// between two scans, and the last moments of the others.
///
/// A credit goes to the parent the child last had (after a reparenting, the subreaper that
/// reaps it). If that parent has exited as well, it goes on to the parent's parent, which reaps
/// the parent and with it everything the parent had reaped.
///
/// A parent's growth shows in the scan its child vanished in, or in the next one if the parent
/// was read before the reap, so a credit is usable in those two scans and then dropped: a
/// process whose children the kernel reaps without adding their CPU to it (it ignores SIGCHLD)
/// never shows the growth, and a credit kept for longer would take genuine growth off later.
struct ReapedChildrenLedger {
    /// What the collector last saw of a process that has exited.
    struct Exit: Equatable {
        var pid: Int32
        var parentPID: Int32
        /// Own plus children's CPU at the last reading, in clock ticks.
        var seenTicks: UInt64
    }

    /// This scan's exits, in ascending PID order (the collector's walk order). Kept between
    /// scans for its storage only.
    private(set) var exits: [Exit] = []

    /// Parents an exit's credit is passed on to at most, when they have exited as well.
    static let maximumForwarding = 32

    /// Forgets the previous scan's exits.
    mutating func beginScan() {
        exits.removeAll(keepingCapacity: true)
    }

    /// Records that a process seen by the last scan has exited. Exits must come in ascending
    /// PID order.
    mutating func recordExit(_ exit: Exit) {
        exits.append(exit)
    }

    /// Hands each exit's credit to the live process that reaped it: `creditIndex(ticks, index)`
    /// for the index `livePosition` gives for the exit's parent, or for that parent's parent
    /// when the parent has exited too. Credits whose reaper is not found are dropped.
    ///
    /// - Parameter livePosition: the position of a live process by PID, nil if none has it.
    func distributeCredits(livePosition: (Int32) -> Int?, credit: (_ ticks: UInt64, _ index: Int) -> Void) {
        for exit in exits where exit.seenTicks > 0 {
            var reaper = exit.parentPID
            for _ in 0..<Self.maximumForwarding {
                guard reaper > 0 else { break }
                if let index = livePosition(reaper) {
                    credit(exit.seenTicks, index)
                    break
                }
                guard let parent = exitedParent(of: reaper) else { break }
                reaper = parent
            }
        }
    }

    /// The parent of `pid` if `pid` is among this scan's exits.
    private func exitedParent(of pid: Int32) -> Int32? {
        let index = exits.partitionPoint { $0.pid < pid }
        return index < exits.count && exits[index].pid == pid ? exits[index].parentPID : nil
    }

    /// A process's net children's CPU over one interval: its `growth` less the credits of
    /// children it reaped, never below zero.
    ///
    /// Credits carried from the last scan are taken first (their growth is due by now; what
    /// they do not cover is dropped), then this scan's, whose unused part is carried to the next.
    static func settle(growth: UInt64, carried: UInt64, new: UInt64) -> (net: UInt64, carry: UInt64) {
        let afterCarried = growth.subtractingSaturated(carried)
        let net = afterCarried.subtractingSaturated(new)
        return (net, new - (afterCarried - net))
    }
}
