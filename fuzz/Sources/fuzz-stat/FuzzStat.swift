// libFuzzer target: `/proc/<pid>/stat` (ProcessStat.parse).
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStat(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let stat = ProcessStat.parse(bytes) else { return 0 }
    // The name is the text between the first `(` and the last `)`, truncated to the kernel's
    // 64-byte buffer; decoding it never fails, whatever the bytes.
    let open = bytes.firstIndex(of: UInt8(ascii: "("))!
    let close = bytes.lastIndex(of: UInt8(ascii: ")"))!
    let expected = bytes[(open + 1)..<close].prefix(64)
    precondition(stat.name.count <= 64, "name longer than 64 bytes")
    precondition(stat.name.count == expected.count, "name length differs from the bytes between ( and )")
    precondition(stat.name == ProcessName(expected), "name differs from the bytes between ( and )")
    let text = stat.name.string
    if String(validating: expected, as: UTF8.self) != nil {
        precondition(text.utf8.elementsEqual(expected), "valid UTF-8 name not kept byte for byte")
    }
    precondition(stat.pid >= 0, "negative PID")
    _ = stat.cpuTicks
    _ = stat.childrenTicks
    _ = stat.isKernelThread
    _ = stat.state.description
    return 0
}
