// libFuzzer target: `/proc/stat` (SystemStat.parse, CPUTimes.busyFraction).
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSystemStat(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let stat = SystemStat.parse(bytes) else { return 0 }
    // At most one CPU per line; every busy fraction (even between unrelated lines, as after a
    // counter reset) is within [0, 1].
    let lines = bytes.count { $0 == UInt8(ascii: "\n") } + 1
    precondition(stat.perCPU.count < lines, "more CPUs than lines")
    precondition(stat.runnableThreads >= 0 && stat.blockedThreads >= 0, "negative thread count")
    for cpu in stat.perCPU.prefix(16) {
        for (a, b) in [(cpu, stat.total), (stat.total, cpu), (cpu, cpu)] {
            if let fraction = a.busyFraction(since: b) {
                precondition(fraction >= 0 && fraction <= 1, "busy fraction \(fraction) outside [0, 1]")
            }
        }
    }
    return 0
}
