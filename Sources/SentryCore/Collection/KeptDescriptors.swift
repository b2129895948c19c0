import Glibc

/// The descriptors of one process's `stat` and `io` kept open between scans, so each scan reads
/// them with `pread` instead of a path lookup, `open` and `close`, which are most of what a
/// scan of an unchanged process otherwise costs (README, "Performance").
struct KeptDescriptors {
    var stat: Int32 = -1
    var io: Int32 = -1

    /// Closes both and returns them to `budget`.
    mutating func close(returningTo budget: inout DescriptorBudget) {
        Self.close(&stat, returningTo: &budget)
        Self.close(&io, returningTo: &budget)
    }

    /// Closes `fd` if open, returns it to `budget`, and marks it closed.
    static func close(_ fd: inout Int32, returningTo budget: inout DescriptorBudget) {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        budget.release()
        fd = -1
    }
}

/// How many descriptors the collector may keep open between scans, so it never starves the rest
/// of the program (HTTP connections, the terminal) of descriptors under `RLIMIT_NOFILE`.
///
/// Beyond the budget, processes are read with `open`/`read`/`close` on each scan: slower, never
/// wrong.
struct DescriptorBudget {
    private(set) var available: Int
    private let initial: Int

    init(available: Int) {
        self.available = max(available, 0)
        initial = self.available
    }

    /// Whether a budget there was has run out.
    var isExhausted: Bool { initial > 0 && available == 0 }

    /// All of the soft `RLIMIT_NOFILE` but `reserve` (the programs raise the soft limit to the hard
    /// one at start-up: `OpenFileLimit.raiseToHardLimit`).
    static func fromResourceLimit(reserve: Int) -> DescriptorBudget {
        DescriptorBudget(available: OpenFileLimit.current - reserve)
    }

    /// Takes one descriptor from the budget; false if none is left.
    mutating func acquire() -> Bool {
        guard available > 0 else { return false }
        available -= 1
        return true
    }

    mutating func release() {
        available += 1
    }
}
