// libFuzzer target: `/proc/<pid>/io` (ProcessIO.parse).
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIO(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let io = ProcessIO.parse(bytes) else { return 0 }
    // Both keys must start a line somewhere in the input.
    let lines = Array(bytes).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    precondition(lines.contains { $0.starts(with: "read_bytes:".utf8) }, "parsed without read_bytes:")
    precondition(lines.contains { $0.starts(with: "write_bytes:".utf8) }, "parsed without write_bytes:")
    _ = io.readBytes &+ io.writeBytes
    return 0
}
