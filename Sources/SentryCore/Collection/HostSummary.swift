/// The machine-wide figures a top-like header shows beside the process table.
public struct HostSummary: Sendable {
    public var memory: MemoryInfo?
    public var load: LoadAverage?
    /// Seconds since boot.
    public var uptime: Double?

    public init(memory: MemoryInfo? = nil, load: LoadAverage? = nil, uptime: Double? = nil) {
        self.memory = memory
        self.load = load
        self.uptime = uptime
    }

    /// Reads `meminfo`, `loadavg` and `uptime` at the root of `procFS`; a file that cannot be
    /// read leaves its field nil.
    public static func read(from procFS: ProcFS) -> HostSummary {
        HostSummary(
            memory: try? procFS.read(pid: nil, "meminfo", MemoryInfo.parse),
            load: try? procFS.read(pid: nil, "loadavg", LoadAverage.parse),
            uptime: try? procFS.read(pid: nil, "uptime", Uptime.parse)
        )
    }
}
