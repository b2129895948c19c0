// libFuzzer target: `/proc/<pid>/net/{tcp,tcp6,udp,udp6}` (SocketTable.forEachListeningSocket).
// The first byte chooses the table kind (modulo 4); the rest is the file.
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetTCP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let kinds = SocketTable.Kind.allCases
    let kind = kinds[Int(data[0]) % kinds.count]
    let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let lines = bytes.count { $0 == UInt8(ascii: "\n") } + 1
    var sockets = 0
    SocketTable.forEachListeningSocket(in: bytes, kind: kind) { inode, port in
        precondition(inode > 0, "inode 0")
        precondition(port > 0, "port 0")
        sockets += 1
    }
    // One socket per row at most, and never the header.
    precondition(sockets < lines, "\(sockets) sockets from \(lines) lines")
    return 0
}
