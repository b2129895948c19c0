import Glibc

/// The calling process's own resource use, for the standard `process_*` metrics every
/// Prometheus exporter publishes about itself.
public struct OwnProcessStats: Sendable {
    public var cpuSeconds: Double
    public var residentBytes: UInt64
    public var virtualBytes: UInt64
    public var openFileDescriptors: Int
    /// The soft `RLIMIT_NOFILE`.
    public var maximumFileDescriptors: Int
    /// Seconds since the Unix epoch.
    public var startTime: Double

    /// Reads this process's entry in `procFS`; nil if it is not there (a proc root from
    /// another PID namespace) or unreadable.
    ///
    /// - Parameter bootTime: boot time of the kernel `procFS` belongs to, in seconds since the
    ///   Unix epoch (`SystemStat.bootTime`, read once: it does not change), to date the start time.
    public static func read(
        from procFS: ProcFS, bootTime: Double, configuration: CollectorConfiguration
    ) -> OwnProcessStats? {
        let pid = getpid()
        guard let stat = try? procFS.read(pid: pid, "stat", ProcessStat.parse) else { return nil }
        var descriptors = 0
        try? procFS.forEachNumericEntry(pid: pid, "fd") { _ in descriptors += 1 }
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let ticks = Double(configuration.clockTicksPerSecond)
        return OwnProcessStats(
            cpuSeconds: Double(stat.cpuTicks) / ticks,
            residentBytes: stat.residentPages &* UInt64(configuration.pageSize),
            virtualBytes: stat.virtualBytes,
            openFileDescriptors: descriptors,
            maximumFileDescriptors: Int(clamping: limit.rlim_cur),
            startTime: bootTime + Double(stat.startTicks) / ticks
        )
    }
}
