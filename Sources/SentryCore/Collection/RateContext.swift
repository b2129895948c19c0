/// Turns a process's counters into rates over the interval since its previous reading.
struct RateContext {
    /// When the previous scan started, in seconds since boot; nil for the first scan.
    var previousScan: Double?
    var clockTicksPerSecond: Double
    /// 100 per online CPU: no process can use more.
    var cpuPercentLimit: Double

    /// Sets `sample`'s CPU percent and I/O rates from counters read at `readAt` (seconds since boot).
    ///
    /// The baseline is the process's own previous sample (`known`), and the interval is the time
    /// between the two readings, not between the two scans' starts: on a loaded machine a scan
    /// is descheduled for a while, and a process read late in one scan and early in the next
    /// would be given more CPU time than the interval held (a single thread at 115 % was seen).
    /// A process first seen now that started after the previous scan had zero of everything
    /// then, so all it used counts towards the interval since that scan, as in top. One that
    /// started earlier but was not seen (it was unreadable) gets no rate rather than a lifetime
    /// average.
    func apply(
        to sample: inout ProcessSample, cpuTicks: UInt64, startTicks: UInt64, readAt: Double,
        known: (cpuTicks: UInt64, io: ProcessIO?, readAt: Double)?
    ) {
        guard let previousScan else { return }
        let baseline: (cpuTicks: UInt64, io: ProcessIO?)
        let since: Double
        if let known {
            baseline = (known.cpuTicks, known.io)
            since = known.readAt
        } else if Double(startTicks) / clockTicksPerSecond >= previousScan {
            baseline = (0, ProcessIO(readBytes: 0, writeBytes: 0))
            since = previousScan
        } else {
            return
        }
        let interval = readAt - since
        guard interval > 0 else { return }
        let cpuSeconds = Double(cpuTicks.subtractingSaturated(baseline.cpuTicks)) / clockTicksPerSecond
        sample.cpuPercent = min(cpuSeconds / interval * 100, cpuPercentLimit)
        if let io = sample.io, let earlier = baseline.io {
            sample.readBytesPerSecond = Double(io.readBytes.subtractingSaturated(earlier.readBytes)) / interval
            sample.writeBytesPerSecond = Double(io.writeBytes.subtractingSaturated(earlier.writeBytes)) / interval
        }
    }
}

extension ProcessSample {
    /// The key this process is ranked by in `list`.
    func value(for list: TopList) -> Double? {
        switch list {
        case .cpu: cpuPercent
        case .memory: Double(residentBytes)
        case .io: ioBytesPerSecond
        }
    }
}

extension ResourceTotals {
    /// The key a group is ranked by in `list`.
    func value(for list: TopList) -> Double? {
        switch list {
        case .cpu: cpuPercent
        case .memory: Double(residentBytes)
        case .io: readBytesPerSecond + writeBytesPerSecond
        }
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
