/// CPU time the kernel has charged to one cgroup, its processes' that have exited included,
/// in nanoseconds: cgroup v2 `cpu.stat` (`usage_usec`) or cgroup v1 `cpuacct.usage`.
public struct CgroupCPUUsage: Equatable, Sendable {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    /// Parses cgroup v2 `cpu.stat` (`usage_usec 12345` among other lines); nil without `usage_usec`.
    public static func parseCPUStat(_ bytes: UnsafeRawBufferPointer) -> CgroupCPUUsage? {
        var cursor = ByteCursor(bytes)
        while !cursor.isAtEnd {
            if cursor.consume("usage_usec "), let microseconds = cursor.readDecimal() {
                let (nanoseconds, overflow) = microseconds.multipliedReportingOverflow(by: 1000)
                return overflow ? nil : CgroupCPUUsage(nanoseconds: nanoseconds)
            }
            cursor.skipLine()
        }
        return nil
    }

    /// Parses cgroup v1 `cpuacct.usage`: one decimal number of nanoseconds and a newline.
    public static func parseCPUAcctUsage(_ bytes: UnsafeRawBufferPointer) -> CgroupCPUUsage? {
        var cursor = ByteCursor(bytes)
        guard let nanoseconds = cursor.readDecimal() else { return nil }
        cursor.skipBlanks()
        guard cursor.isAtEnd || cursor.consume("\n") else { return nil }
        return CgroupCPUUsage(nanoseconds: nanoseconds)
    }
}
