/// Everything one scan found: every process with its rates, the Top N selection, the totals
/// of what was not selected, per-container aggregates, and how the scan went.
///
/// A snapshot is an immutable value, so a scan can hand it to the HTTP server or the TUI
/// without either one ever waiting for, or repeating, a scan.
public struct Snapshot: Sendable {
    /// The N of "Top N" the selection was made with.
    public var topN: Int
    /// When the scan started, in seconds since the Unix epoch.
    public var time: Double
    /// Seconds the scan took.
    public var scanDuration: Double
    /// Seconds since the previous scan, over which rates are computed; nil for the first scan.
    public var interval: Double?
    /// Every process scanned, in PID order (the selected ones only, after `selectedOnly()`).
    public var processes: [ProcessSample]
    /// Indices into `processes` of each list, best first.
    public var lists: [TopList: [Int]]
    /// Indices into `processes` of the exported set (the union of the lists and the held
    /// processes), in PID order.
    public var selected: [Int]
    /// All processes together.
    public var total: ResourceTotals
    /// The processes in no list, together: with the selected ones, they add up to `total`.
    public var others: ResourceTotals
    /// Net children's CPU seconds of the processes in no list, summed over every interval since
    /// the collector's first scan: a counter, whichever processes were in no list each time.
    public var othersChildrenCPUSeconds: Double
    /// Processes that entered the exported set, and that left it (out of every list after their
    /// hold, or exited while exported), since the collector's first scan: the exported set's churn.
    public var processesEntered: Int
    public var processesLeft: Int
    /// Every container with at least one process, by descending CPU; empty while
    /// `containersPending`.
    public var containers: [ContainerUsage]
    /// Whether the scan left some processes' containers unread (`ContainerScope.selectedProcesses`):
    /// only the selected processes have theirs, and `containers` is empty rather than short.
    public var containersPending: Bool
    /// Whole-machine CPU figures from `/proc/stat`.
    public var system: SystemUsage
    /// Files that could not be read, by reason.
    public var unreadable: UnreadableCounts
    /// Containers whose cgroup CPU accounting could not be read, by reason (`.vanished`: there
    /// is none, see `ContainerCPUAccounting.update`).
    public var containerAccountingUnreadable = UnreadableCounts()

    /// The node's busy CPU (`/proc/stat`) that no process accounts for, own or net children's
    /// CPU, in percent of one core; nil for the first scan. Top plus others plus this is the
    /// node's busy CPU. It holds CPU the kernel spends outside any process (interrupts, steal),
    /// children reaped without adding to a parent's children's CPU, and the difference between
    /// each process's interval and the node's; it may be slightly negative.
    public var unattributedCPUPercent: Double? {
        system.busyPercent.map { $0 - total.totalCPUPercent }
    }

    /// Exported processes held in no list (`ProcessSample.isHeld`).
    public var heldCount: Int { selected.count { processes[$0].isHeld } }

    /// The selected processes, in PID order.
    public var selectedProcesses: [ProcessSample] { selected.map { processes[$0] } }

    /// This snapshot with the processes in no list left out, and everything else (totals,
    /// containers, counts) as it was: what an exporter keeps to render again after a failed
    /// scan, in a small fraction of the memory (150 processes at most instead of all of them).
    public func selectedOnly() -> Snapshot {
        var trimmed = self
        trimmed.processes = selectedProcesses
        trimmed.selected = Array(selected.indices)
        // Every list entry is in `selected`, which is sorted: its position there is its new index.
        trimmed.lists = lists.mapValues { $0.map { index in selected.partitionPoint { $0 < index } } }
        return trimmed
    }
}

/// Resource use summed over a set of processes.
public struct ResourceTotals: Equatable, Sendable {
    public var processCount = 0
    public var threads = 0
    /// Own CPU, 100 = one core.
    public var cpuPercent = 0.0
    /// Net children's CPU (`ProcessSample.childrenCPUPercent`).
    public var childrenCPUPercent = 0.0
    public var residentBytes: UInt64 = 0
    public var readBytesPerSecond = 0.0
    public var writeBytesPerSecond = 0.0

    public init() {}

    /// Own plus net children's CPU.
    public var totalCPUPercent: Double { cpuPercent + childrenCPUPercent }

    /// Adds one process; missing rates count as zero.
    public mutating func add(_ process: ProcessSample) {
        processCount += 1
        threads += process.threads
        cpuPercent += process.cpuPercent ?? 0
        childrenCPUPercent += process.childrenCPUPercent ?? 0
        residentBytes &+= process.residentBytes
        readBytesPerSecond += process.readBytesPerSecond ?? 0
        writeBytesPerSecond += process.writeBytesPerSecond ?? 0
    }
}

/// The processes of one container, together.
public struct ContainerUsage: Sendable {
    public var container: Container
    public var usage: ResourceTotals
    /// Which Top N container lists the container is in; only containers in one are exported.
    public var ranks: TopRanks
    /// CPU time the kernel charged to the container's cgroup, exited processes' included
    /// (`ContainerCPUAccounting`), in seconds; nil if its accounting could not be read.
    public var cgroupCPUSeconds: Double? = nil
    /// The same over the interval since the previous scan, 100 = one core; nil also on the
    /// container's first reading.
    public var cgroupCPUPercent: Double? = nil
}

/// Whole-machine CPU use over the last interval.
public struct SystemUsage: Sendable {
    /// Online CPUs (`cpuN` lines of `/proc/stat`); CPU percents are capped at 100 times this.
    public var cpuCount: Int
    /// Busy share of all CPUs together, 0 to 1; nil for the first scan.
    public var busyFraction: Double?
    /// Busy CPU of all CPUs together, 100 = one core; nil for the first scan.
    public var busyPercent: Double? { busyFraction.map { $0 * Double(cpuCount) * 100 } }
    /// Busy share of each CPU, 0 to 1; empty for the first scan.
    public var perCPUBusyFraction: [Double]
    /// Boot time, in seconds since the Unix epoch.
    public var bootTime: Double
    /// Threads runnable and blocked on I/O right now.
    public var runnableThreads: Int
    public var blockedThreads: Int
}

/// How many files one scan could not read, by reason.
///
/// A process whose `stat` cannot be read is skipped; one missing any other file is kept
/// without the fields that file provides.
public struct UnreadableCounts: Equatable, Sendable {
    /// Files of processes that exited between being listed and being read.
    public var vanished = 0
    /// Files this user may not read, such as another user's `io` without ptrace access.
    public var permissionDenied = 0
    /// Files of unexpected shape.
    public var malformed = 0
    /// Files that failed to read for any other reason.
    public var failed = 0
    /// `io` files missing from processes that are there: a kernel without task I/O accounting
    /// (`CONFIG_TASK_IO_ACCOUNTING`).
    public var noIOAccounting = 0

    public init() {}

    mutating func count(_ failure: ReadFailure) {
        switch failure {
        case .vanished: vanished += 1
        case .permissionDenied: permissionDenied += 1
        case .malformed: malformed += 1
        case .failed: failed += 1
        }
    }
}
