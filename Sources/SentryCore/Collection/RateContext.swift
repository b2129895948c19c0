/// Turns a process's counters into rates over the interval since its previous reading.
struct RateContext {
    /// When the previous scan started, in seconds since boot; nil for the first scan.
    var previousScan: Double?
    var clockTicksPerSecond: Double
    /// 100 per online CPU: no process can use more.
    var cpuPercentLimit: Double

    /// A process's counters at one reading.
    struct Reading {
        var cpuTicks: UInt64
        /// Reaped children's CPU (`ProcessStat.childrenTicks`).
        var childrenTicks: UInt64
        var io: ProcessIO?
        /// When the counters were read, in seconds since boot.
        var readAt: Double
    }

    /// How much a process's reaped children's CPU grew over its interval (before
    /// `ReapedChildrenLedger` takes off what was seen of them), and that interval.
    struct ChildrenGrowth {
        var ticks: UInt64
        var interval: Double
    }

    /// A process's rates over the interval since its baseline reading.
    struct Rates {
        var cpuPercent: Double
        /// Nil unless both readings have `io`.
        var readBytesPerSecond: Double?
        var writeBytesPerSecond: Double?
        /// How much its reaped children's CPU grew over the same interval.
        var childrenGrowth: ChildrenGrowth
    }

    /// The CPU percent, I/O rates and children's CPU growth of a process from `reading`; nil
    /// without a baseline.
    ///
    /// The baseline is the process's own previous reading (`known`), and the interval is the
    /// time between the two readings, not between the two scans' starts: on a loaded machine a
    /// scan is descheduled for a while, and a process read late in one scan and early in the next
    /// would be given more CPU time than the interval held (a single thread at 115 % was seen).
    /// A process first seen now that started after the previous scan had zero of everything
    /// then, so all it used counts towards the interval since that scan, as in top. One that
    /// started earlier but was not seen (it was unreadable) gets no rate rather than a lifetime
    /// average.
    func rates(reading: Reading, startTicks: UInt64, known: Reading?) -> Rates? {
        guard let previousScan else { return nil }
        let baseline: Reading
        if let known {
            baseline = known
        } else if Double(startTicks) / clockTicksPerSecond >= previousScan {
            baseline = Reading(cpuTicks: 0, childrenTicks: 0, io: ProcessIO(readBytes: 0, writeBytes: 0), readAt: previousScan)
        } else {
            return nil
        }
        let interval = reading.readAt - baseline.readAt
        guard interval > 0 else { return nil }
        var rates = Rates(
            cpuPercent: percent(ticks: reading.cpuTicks.subtractingSaturated(baseline.cpuTicks), over: interval),
            // A count that went backwards is no growth (and no negative rate).
            childrenGrowth: ChildrenGrowth(
                ticks: reading.childrenTicks.subtractingSaturated(baseline.childrenTicks), interval: interval))
        if let io = reading.io, let earlier = baseline.io {
            rates.readBytesPerSecond = Double(io.readBytes.subtractingSaturated(earlier.readBytes)) / interval
            rates.writeBytesPerSecond = Double(io.writeBytes.subtractingSaturated(earlier.writeBytes)) / interval
        }
        return rates
    }

    /// CPU `ticks` over `interval` seconds in percent of one core, at most `cpuPercentLimit`.
    func percent(ticks: UInt64, over interval: Double) -> Double {
        percent(seconds: Double(ticks) / clockTicksPerSecond, over: interval)
    }

    /// CPU `seconds` over `interval` seconds in percent of one core, at most `cpuPercentLimit`.
    func percent(seconds: Double, over interval: Double) -> Double {
        min(seconds / interval * 100, cpuPercentLimit)
    }
}

extension SystemUsage {
    /// CPU use between two readings of `/proc/stat`; busy fractions are absent without an earlier one.
    init(_ system: SystemStat, since earlier: SystemStat?) {
        cpuCount = max(system.perCPU.count, 1)
        bootTime = Double(system.bootTime)
        runnableThreads = system.runnableThreads
        blockedThreads = system.blockedThreads
        busyFraction = earlier.flatMap { system.total.busyFraction(since: $0.total) }
        if let earlier, earlier.perCPU.count == system.perCPU.count {
            perCPUBusyFraction = zip(system.perCPU, earlier.perCPU).map { $0.busyFraction(since: $1) ?? 0 }
        } else {
            perCPUBusyFraction = []
        }
    }
}
