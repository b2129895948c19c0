// libFuzzer target: a batch of sock_diag netlink replies (SocketDiagnostics.parse).
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSockDiag(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var sockets = 0
    _ = SocketDiagnostics.parse(bytes) { inode, port in
        precondition(inode > 0, "inode 0")
        precondition(port > 0, "port 0")
        sockets += 1
    }
    // Each socket is a whole 88-byte message (header and inet_diag_msg).
    precondition(sockets * 88 <= size, "\(sockets) sockets from \(size) bytes")
    return 0
}
