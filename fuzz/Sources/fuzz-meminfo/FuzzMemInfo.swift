// libFuzzer target: `/proc/meminfo`, `/proc/loadavg` and `/proc/uptime` (MemoryInfo.parse,
// LoadAverage.parse, Uptime.parse). The first byte chooses the parser (modulo 3); the rest is the file.
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMemInfo(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 3 {
    case 0:
        guard let memory = MemoryInfo.parse(bytes) else { return 0 }
        precondition(memory.usedBytes <= memory.totalBytes, "used more than total")
        precondition(memory.swapUsedBytes <= memory.swapTotalBytes, "swap used more than total")
    case 1:
        guard let load = LoadAverage.parse(bytes) else { return 0 }
        for value in [load.one, load.five, load.fifteen] {
            precondition(value.isFinite && value >= 0, "load average \(value)")
        }
    default:
        guard let uptime = Uptime.parse(bytes) else { return 0 }
        precondition(uptime.isFinite && uptime >= 0, "uptime \(uptime)")
    }
    return 0
}
