// libFuzzer target: `/proc/<pid>/cmdline` (ProcessCommandLine.parse), whose bytes the process's
// owner chooses and which becomes a label value with --collector.cmdline.
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommandLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    // The first byte picks the cut (0 to 255 bytes), so truncation is explored as well.
    let maximumBytes = Int(data[0])
    let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    for limit in [maximumBytes, Int.max] {
        let line = ProcessCommandLine.parse(bytes, maximumBytes: limit)
        precondition(!line.utf8.contains(0), "a NUL in the command line")
        precondition(line.utf8.last != UInt8(ascii: " "), "a trailing space")
        precondition(limit == .max || line.utf8.count <= limit + "…".utf8.count, "longer than the limit")
        if limit == .max { precondition(!line.hasSuffix("…") || bytes.contains(0xE2), "marked as cut but not cut") }
    }
    return 0
}
