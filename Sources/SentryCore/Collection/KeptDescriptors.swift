import Glibc

/// The descriptors of one process's `stat` and `io` kept open between scans, so each scan reads
/// them with `pread` instead of a path lookup, `open` and `close` (about half the cost of a
/// scan, measured against `../shared/bench/floor -m cached`).
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

    /// All of the soft `RLIMIT_NOFILE` but `reserve`, after raising the soft limit to the hard one
    /// (as Go's runtime does for every program): the default soft limit of 1024 would otherwise
    /// cap the budget at a few hundred processes.
    static func fromResourceLimit(reserve: Int) -> DescriptorBudget {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return DescriptorBudget(available: 0) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        let ceiling: rlim_t = 1 << 20
        return DescriptorBudget(available: Int(min(limit.rlim_cur, ceiling)) - reserve)
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
