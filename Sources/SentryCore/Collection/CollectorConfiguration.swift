import Glibc

/// What the collector reads and how much it selects.
public struct CollectorConfiguration: Sendable {
    /// Where procfs is mounted (`--path.procfs`).
    public var procRoot: String
    /// The passwd file user names come from (`--path.passwd`).
    public var passwdPath: String
    /// How many processes each Top N list holds (`--top-n`).
    public var topN: Int
    /// Listening ports kept per process (the lowest ones), so one process cannot add unbounded series.
    public var maximumPortsPerProcess: Int
    /// Kernel clock ticks per second (`USER_HZ`), the unit of `/proc` CPU times.
    public var clockTicksPerSecond: Int
    /// Bytes per memory page, the unit of `/proc/<pid>/stat` RSS.
    public var pageSize: Int

    /// The N used when none is given.
    public static let defaultTopN = 50

    public init(
        procRoot: String = ProcFS.defaultRoot,
        passwdPath: String = "/etc/passwd",
        topN: Int = CollectorConfiguration.defaultTopN,
        maximumPortsPerProcess: Int = 16,
        clockTicksPerSecond: Int = sysconf(Int32(_SC_CLK_TCK)),
        pageSize: Int = sysconf(Int32(_SC_PAGESIZE))
    ) {
        self.procRoot = procRoot
        self.passwdPath = passwdPath
        self.topN = topN
        self.maximumPortsPerProcess = maximumPortsPerProcess
        self.clockTicksPerSecond = clockTicksPerSecond
        self.pageSize = pageSize
    }
}
