/// `/proc/meminfo`: the machine's memory and swap, see proc_meminfo(5).
public struct MemoryInfo: Equatable, Sendable {
    public var totalBytes: UInt64
    /// Memory available for new work without swapping (`MemAvailable`), the basis of "used".
    public var availableBytes: UInt64
    public var swapTotalBytes: UInt64
    public var swapFreeBytes: UInt64

    public var usedBytes: UInt64 { totalBytes.subtractingSaturated(availableBytes) }
    public var swapUsedBytes: UInt64 { swapTotalBytes.subtractingSaturated(swapFreeBytes) }

    public init(totalBytes: UInt64, availableBytes: UInt64, swapTotalBytes: UInt64, swapFreeBytes: UInt64) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
        self.swapTotalBytes = swapTotalBytes
        self.swapFreeBytes = swapFreeBytes
    }

    /// Parses the file; nil without `MemTotal` and `MemAvailable` (kernels before 3.14 lack the latter).
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> MemoryInfo? {
        var total: UInt64?
        var available: UInt64?
        var swapTotal: UInt64 = 0
        var swapFree: UInt64 = 0
        var cursor = ByteCursor(bytes)
        while !cursor.isAtEnd {
            // Values are in KiB ("kB" in the file).
            if cursor.consume("MemTotal:") {
                total = cursor.readDecimal().map { $0 &* 1024 }
            } else if cursor.consume("MemAvailable:") {
                available = cursor.readDecimal().map { $0 &* 1024 }
            } else if cursor.consume("SwapTotal:") {
                swapTotal = (cursor.readDecimal() ?? 0) &* 1024
            } else if cursor.consume("SwapFree:") {
                swapFree = (cursor.readDecimal() ?? 0) &* 1024
            }
            cursor.skipLine()
        }
        guard let total, let available else { return nil }
        return MemoryInfo(totalBytes: total, availableBytes: available, swapTotalBytes: swapTotal, swapFreeBytes: swapFree)
    }
}
