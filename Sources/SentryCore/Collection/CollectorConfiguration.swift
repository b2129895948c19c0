import Glibc

/// What the collector reads and how much it selects.
public struct CollectorConfiguration: Sendable {
    /// Where procfs is mounted (`--path.procfs`).
    public var procRoot: String
    /// The passwd file user names come from (`--path.passwd`).
    public var passwdPath: String
    /// Where sysfs is mounted (`--path.sysfs`), for containers' cgroup CPU accounting.
    public var sysRoot: String
    /// How many processes each Top N list holds (`--top-n`).
    public var topN: Int
    /// Who may enter a list and how long the exported keep their series (`--top.*`).
    public var selection: SelectionRules
    /// Listening ports kept per process (the lowest ones), so one process cannot add unbounded series.
    public var maximumPortsPerProcess: Int
    /// Whether selected processes' command lines are read (`--collector.cmdline`). Off by
    /// default: command lines often carry secrets (passwords, tokens in flags).
    public var collectsCommandLines: Bool
    /// Command lines are cut to this many bytes, so one process cannot make a huge label value.
    public static let maximumCommandLineBytes = 512
    /// Kernel clock ticks per second (`USER_HZ`), the unit of `/proc` CPU times.
    public var clockTicksPerSecond: Int
    /// Bytes per memory page, the unit of `/proc/<pid>/stat` RSS.
    public var pageSize: Int
    /// Descriptors the collector may keep open between scans (two per process); nil for all of
    /// the soft `RLIMIT_NOFILE` (`OpenFileLimit`) but 1024 left to the rest of the program when
    /// the root is a live procfs (`ProcFS.isLive`), and none otherwise (a copied tree's files may
    /// be replaced, not re-rendered, under an open descriptor).
    public var keptDescriptorLimit: Int?

    /// The N used when none is given.
    public static let defaultTopN = 50
    /// The N both programs accept: enough for any screen or dashboard, small enough to bound series.
    public static let topNRange = 1...10_000

    /// The N both programs use: the `--top-n` flag, else the value of the `TOP_N` environment
    /// variable (`environment`, nil when unset), else the default.
    /// - Throws: `TopNError` naming the flag or the variable when the value is out of range.
    public static func resolveTopN(flag: Int?, environment: String?) throws(TopNError) -> Int {
        if let flag {
            guard topNRange.contains(flag) else { throw TopNError(source: "'--top-n'", value: String(flag)) }
            return flag
        }
        guard let environment else { return defaultTopN }
        guard let value = Int(environment), topNRange.contains(value) else {
            throw TopNError(source: "environment variable TOP_N", value: environment)
        }
        return value
    }

    public init(
        procRoot: String = ProcFS.defaultRoot,
        passwdPath: String = "/etc/passwd",
        sysRoot: String = "/sys",
        topN: Int = CollectorConfiguration.defaultTopN,
        selection: SelectionRules = SelectionRules(),
        maximumPortsPerProcess: Int = 16,
        collectsCommandLines: Bool = false,
        clockTicksPerSecond: Int = sysconf(Int32(_SC_CLK_TCK)),
        pageSize: Int = sysconf(Int32(_SC_PAGESIZE)),
        keptDescriptorLimit: Int? = nil
    ) {
        self.procRoot = procRoot
        self.passwdPath = passwdPath
        self.sysRoot = sysRoot
        self.topN = topN
        self.selection = selection
        self.maximumPortsPerProcess = maximumPortsPerProcess
        self.collectsCommandLines = collectsCommandLines
        self.clockTicksPerSecond = clockTicksPerSecond
        self.pageSize = pageSize
        self.keptDescriptorLimit = keptDescriptorLimit
    }
}

/// An N outside `CollectorConfiguration.topNRange`, from the flag or the environment.
public struct TopNError: Error, CustomStringConvertible, Equatable {
    public var source: String
    public var value: String

    public var description: String {
        let range = CollectorConfiguration.topNRange
        return "invalid value '\(value)' for \(source): expected \(range.lowerBound) to \(range.upperBound)"
    }
}
