/// What makes a process the same process across scans: its PID and its start time.
///
/// PIDs are reused; comparing the start time as well keeps a new process from inheriting the
/// counters of an old one with the same PID (which would show as a negative or huge rate).
public struct ProcessIdentity: Hashable, Sendable {
    public var pid: Int32
    /// Start time after boot, in clock ticks (`/proc/<pid>/stat` field 22).
    public var startTicks: UInt64

    public init(pid: Int32, startTicks: UInt64) {
        self.pid = pid
        self.startTicks = startTicks
    }
}

/// One process as one scan saw it: its counters, its rates since the previous scan, and its
/// place in the Top N lists.
public struct ProcessSample: Equatable, Sendable {
    public var identity: ProcessIdentity
    /// The command name (`comm`), with invalid UTF-8 replaced by U+FFFD.
    public var name: String
    public var state: ProcessState
    public var parentPID: Int32
    public var isKernelThread: Bool
    /// Effective UID; nil if `status` could not be read.
    public var uid: UInt32?
    /// The user name of `uid`, its number if the passwd file does not list it, or empty if `uid` is nil.
    public var user: String
    /// User plus system CPU time since the process started, in seconds.
    public var cpuSeconds: Double
    /// CPU time of the children the process has reaped, less what the collector saw of them
    /// alive (`ReapedChildrenLedger`), in seconds: the reaped children's whole CPU when the
    /// collector first saw the process, plus the net growth of every interval since. A counter.
    public var childrenCPUSeconds: Double = 0
    /// When the process started, in seconds since the Unix epoch.
    public var startTime: Double
    /// Resident set size, in bytes.
    public var residentBytes: UInt64
    public var threads: Int
    /// Storage I/O since the process started; nil if `io` could not be read (another user's
    /// process without ptrace access).
    public var io: ProcessIO?
    /// CPU use over the last interval; 100 is one core fully busy (top's convention, not ps's
    /// lifetime average). Nil when there is no earlier sample to compare with.
    public var cpuPercent: Double?
    /// CPU use of reaped children over the same interval, net of what was seen of them alive:
    /// the work of children too short-lived for a scan to see. Nil when `cpuPercent` is.
    public var childrenCPUPercent: Double?
    /// Storage bytes read per second over the last interval; nil without two `io` samples.
    public var readBytesPerSecond: Double?
    /// Storage bytes written per second over the last interval; nil without two `io` samples.
    public var writeBytesPerSecond: Double?
    /// The container the process runs in; nil for a host process.
    public var container: Container?
    /// Which Top N lists the process is in, and where.
    public var ranks: TopRanks
    /// Whether the process is exported in no list, held for a few scans after it left them all
    /// (`SelectionRules.holdScans`).
    public var isHeld = false
    /// Ports the process listens on; resolved only for processes in a Top N list.
    public var listeningPorts: [ListeningPort]
    /// The command line (`ProcessCommandLine`); read only for processes in a Top N list, and
    /// only with `CollectorConfiguration.collectsCommandLines`. Nil otherwise or if unreadable.
    public var commandLine: String? = nil

    public var pid: Int32 { identity.pid }

    /// The name the exporter labels the process's series with: `name`, but for a kernel worker
    /// (`kworker/0:1H-kblockd`) without what follows its `+` or `-` (the workqueue it is
    /// serving and whether it is running), which change as it runs, and with them, were they in
    /// the label, every series of the process (the `name` of a process is otherwise fixed until
    /// an `exec`).
    public var seriesName: String {
        guard isKernelThread, name.hasPrefix("kworker/"),
            let separator = name.firstIndex(where: { $0 == "+" || $0 == "-" })
        else { return name }
        return String(name[..<separator])
    }

    /// Whether the process is exported: in a list, or held.
    public var isExported: Bool { ranks.isSelected || isHeld }

    /// Own plus net children's CPU: what the process and the work it started used. The CPU
    /// list's key, so a `make` or a shell whose children burn the CPU ranks by their work.
    public var totalCPUPercent: Double? {
        cpuPercent.map { $0 + (childrenCPUPercent ?? 0) }
    }

    /// Storage bytes read plus written per second: the IO list's key.
    public var ioBytesPerSecond: Double? {
        guard let read = readBytesPerSecond, let write = writeBytesPerSecond else { return nil }
        return read + write
    }
}

/// A port a process accepts traffic on.
public struct ListeningPort: Hashable, Sendable, Comparable {
    public var kind: SocketTable.Kind
    public var port: UInt16

    public init(kind: SocketTable.Kind, port: UInt16) {
        self.kind = kind
        self.port = port
    }

    public static func < (lhs: ListeningPort, rhs: ListeningPort) -> Bool {
        (lhs.port, lhs.kind) < (rhs.port, rhs.kind)
    }
}
