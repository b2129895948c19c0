/// `/proc/<pid>/stat`: the process's scheduling state and counters, see proc_pid_stat(5).
public struct ProcessStat: Equatable, Sendable {
    /// Process ID (field 1).
    public var pid: Int32
    /// Command name (field 2), without the surrounding parentheses.
    public var name: ProcessName
    /// One-letter state (field 3): R, S, D, Z, T, t, X, I.
    public var state: ProcessState
    /// Parent process ID (field 4).
    public var parentPID: Int32
    /// Kernel flags (field 9); see `isKernelThread`.
    public var flags: UInt64
    /// Time scheduled in user mode, in clock ticks (field 14).
    public var userTicks: UInt64
    /// Time scheduled in kernel mode, in clock ticks (field 15).
    public var systemTicks: UInt64
    /// User time of the children this process has waited for, with their own waited-for
    /// descendants', in clock ticks (field 16, `cutime`). It grows when a child is reaped, by
    /// all that child used.
    public var childrenUserTicks: UInt64
    /// Kernel time of the children this process has waited for, in clock ticks (field 17, `cstime`).
    public var childrenSystemTicks: UInt64
    /// Number of threads (field 20).
    public var threads: Int
    /// Time the process started after system boot, in clock ticks (field 22).
    public var startTicks: UInt64
    /// Virtual memory size, in bytes (field 23).
    public var virtualBytes: UInt64
    /// Resident set size, in pages (field 24).
    public var residentPages: UInt64

    /// `PF_KTHREAD` from include/linux/sched.h.
    private static let kernelThreadFlag: UInt64 = 0x0020_0000

    /// True for kernel threads, which have no user memory.
    public var isKernelThread: Bool { flags & Self.kernelThreadFlag != 0 }

    /// User plus system time, in clock ticks.
    public var cpuTicks: UInt64 { userTicks &+ systemTicks }

    /// User plus system time of the reaped children, in clock ticks.
    public var childrenTicks: UInt64 { childrenUserTicks &+ childrenSystemTicks }

    /// Parses the file's single line; nil if it does not have the documented shape.
    ///
    /// The name may contain spaces, parentheses and newlines, so it is the text between the
    /// first `(` and the *last* `)`; the numeric fields follow that last `)`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ProcessStat? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
            let close = bytes.lastIndex(of: UInt8(ascii: ")")), open < close
        else { return nil }
        var head = ByteCursor(UnsafeRawBufferPointer(rebasing: bytes[..<open]))
        guard let pid = head.readDecimal(), pid <= UInt64(Int32.max) else { return nil }

        var fields = ByteCursor(bytes, offset: close + 1)
        fields.skipBlanks()
        guard !fields.isAtEnd else { return nil }
        let state = ProcessState(code: bytes[fields.offset])
        fields.skipField()  // 3 state
        guard let parentPID = fields.readSignedDecimal() else { return nil }  // 4
        fields.skipBlanks()
        fields.skipFields(4)  // 5 pgrp, 6 session, 7 tty_nr, 8 tpgid
        guard let flags = fields.readDecimal() else { return nil }  // 9
        fields.skipBlanks()
        fields.skipFields(4)  // 10 minflt, 11 cminflt, 12 majflt, 13 cmajflt
        guard let userTicks = fields.readDecimal(),  // 14
            let systemTicks = fields.readDecimal()  // 15
        else { return nil }
        guard let childrenUserTicks = fields.readSignedDecimal(),  // 16
            let childrenSystemTicks = fields.readSignedDecimal()  // 17
        else { return nil }
        fields.skipBlanks()
        fields.skipFields(2)  // 18 priority, 19 nice
        guard let threads = fields.readDecimal() else { return nil }  // 20
        fields.skipBlanks()
        fields.skipField()  // 21 itrealvalue
        guard let startTicks = fields.readDecimal() else { return nil }  // 22
        guard let virtualBytes = fields.readDecimal() else { return nil }  // 23
        guard let residentPages = fields.readSignedDecimal() else { return nil }  // 24

        return ProcessStat(
            pid: Int32(pid),
            name: ProcessName(bytes[(open + 1)..<close]),
            state: state,
            parentPID: Int32(clamping: parentPID),
            flags: flags,
            userTicks: userTicks,
            systemTicks: systemTicks,
            // Printed as signed clock_t; never negative in practice.
            childrenUserTicks: UInt64(max(childrenUserTicks, 0)),
            childrenSystemTicks: UInt64(max(childrenSystemTicks, 0)),
            threads: Int(clamping: threads),
            startTicks: startTicks,
            virtualBytes: virtualBytes,
            residentPages: UInt64(max(residentPages, 0))
        )
    }
}

/// A process's scheduling state, the one-letter code of `/proc/<pid>/stat` field 3.
public struct ProcessState: Hashable, Sendable, CustomStringConvertible {
    /// The ASCII letter the kernel prints.
    public let code: UInt8

    public init(code: UInt8) { self.code = code }

    public static let running = ProcessState(code: UInt8(ascii: "R"))
    public static let sleeping = ProcessState(code: UInt8(ascii: "S"))
    public static let diskSleep = ProcessState(code: UInt8(ascii: "D"))
    public static let zombie = ProcessState(code: UInt8(ascii: "Z"))
    public static let stopped = ProcessState(code: UInt8(ascii: "T"))
    public static let idle = ProcessState(code: UInt8(ascii: "I"))

    public var description: String { String(UnicodeScalar(code)) }
}
