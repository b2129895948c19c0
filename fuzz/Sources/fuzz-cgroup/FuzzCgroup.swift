// libFuzzer target: `/proc/<pid>/cgroup` (Container(cgroupFile:), Container(cgroupPath:)).
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCgroup(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let container = Container(cgroupFile: bytes) { check(container) }
    // The whole input as one path too, so odd paths are reached without the line syntax.
    if let container = Container(cgroupPath: Substring(String(decoding: bytes, as: UTF8.self))) { check(container) }
    return 0
}

/// An ID is 64 lowercase hex digits; a pod UID is 8-4-4-4-12 lowercase hex digits with dashes.
private func check(_ container: Container) {
    let hex = Array("0123456789abcdef".utf8)
    precondition(container.id.utf8.count == 64, "ID of \(container.id.utf8.count) bytes")
    precondition(container.id.utf8.allSatisfy(hex.contains), "ID not lowercase hex")
    precondition(container.shortID.utf8.count == 12, "short ID not 12 digits")
    if let pod = container.podUID {
        let utf8 = Array(pod.utf8)
        precondition(utf8.count == 36, "pod UID of \(utf8.count) bytes")
        for (index, byte) in utf8.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                precondition(byte == UInt8(ascii: "-"), "pod UID without a dash at \(index)")
            } else {
                precondition(hex.contains(byte), "pod UID not lowercase hex at \(index)")
            }
        }
    }
    _ = container.runtime.rawValue
}
