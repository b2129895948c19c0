/// `/proc/stat`: CPU time of the whole machine and its boot time, see proc_stat(5).
public struct SystemStat: Equatable, Sendable {
    /// All CPUs together (the `cpu` line).
    public var total: CPUTimes
    /// One entry per online CPU (the `cpuN` lines), in the order listed.
    public var perCPU: [CPUTimes]
    /// Boot time, in seconds since the Unix epoch (`btime`).
    public var bootTime: UInt64
    /// Threads currently runnable (`procs_running`).
    public var runnableThreads: Int
    /// Threads blocked waiting for I/O (`procs_blocked`).
    public var blockedThreads: Int

    /// Parses the file; nil without a `cpu` line or `btime`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> SystemStat? {
        var total: CPUTimes?
        var perCPU: [CPUTimes] = []
        var bootTime: UInt64?
        var runnable = 0
        var blocked = 0
        var cursor = ByteCursor(bytes)
        while !cursor.isAtEnd {
            if cursor.consume("cpu") {
                if cursor.consume(" ") {
                    total = CPUTimes(parsing: &cursor)
                } else if cursor.readDecimal() != nil, let times = CPUTimes(parsing: &cursor) {
                    perCPU.append(times)
                }
            } else if cursor.consume("btime") {
                bootTime = cursor.readDecimal()
            } else if cursor.consume("procs_running") {
                runnable = Int(clamping: cursor.readDecimal() ?? 0)
            } else if cursor.consume("procs_blocked") {
                blocked = Int(clamping: cursor.readDecimal() ?? 0)
            }
            cursor.skipLine()
        }
        guard let total, let bootTime else { return nil }
        return SystemStat(
            total: total, perCPU: perCPU, bootTime: bootTime, runnableThreads: runnable, blockedThreads: blocked)
    }
}

/// Cumulative CPU time of one `cpu` line of `/proc/stat`, in clock ticks.
public struct CPUTimes: Equatable, Sendable {
    /// Ticks spent idle or waiting for I/O.
    public var idle: UInt64
    /// Ticks spent doing anything else (user, nice, system, irq, softirq, steal).
    ///
    /// `guest` and `guest_nice` are left out because the kernel already counts them in `user`
    /// and `nice`.
    public var busy: UInt64

    public init(idle: UInt64, busy: UInt64) {
        self.idle = idle
        self.busy = busy
    }

    /// All ticks, busy or idle.
    public var total: UInt64 { idle &+ busy }

    /// Parses `user nice system idle iowait irq softirq steal`; older kernels print fewer columns.
    init?(parsing cursor: inout ByteCursor) {
        var values = InlineArray<8, UInt64>(repeating: 0)
        var count = 0
        while count < 8, let value = cursor.readDecimal() {
            values[count] = value
            count += 1
        }
        guard count >= 4 else { return nil }
        idle = values[3] &+ values[4]
        busy = values[0] &+ values[1] &+ values[2] &+ values[5] &+ values[6] &+ values[7]
    }

    /// Share of `ticks` since `earlier` spent busy, from 0 to 1; nil if no time passed.
    public func busyFraction(since earlier: CPUTimes) -> Double? {
        let elapsed = total.subtractingSaturated(earlier.total)
        guard elapsed > 0 else { return nil }
        return min(Double(busy.subtractingSaturated(earlier.busy)) / Double(elapsed), 1)
    }
}

extension UInt64 {
    /// `self - other`, or 0 where that would be negative: a counter that went backwards
    /// (a restarted process, a kernel quirk) must never become a huge rate.
    func subtractingSaturated(_ other: UInt64) -> UInt64 {
        self >= other ? self - other : 0
    }
}
