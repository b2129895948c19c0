import Glibc

@testable import SentryCore

/// A TCP socket listening on the loopback address (127.0.0.1 or ::1) at a port the kernel picks.
struct LoopbackListener {
    let fd: Int32
    let port: UInt16

    /// The socket's inode, as `net/tcp` and sock_diag name it.
    var inode: UInt64 {
        var status = stat()
        return fstat(fd, &status) == 0 ? UInt64(status.st_ino) : 0
    }

    init(ipv6: Bool = false) throws {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ReadFailure(errno: errno) }
        var storage = sockaddr_storage()
        var length: socklen_t
        if ipv6 {
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self) { address in
                    address[0].sin6_family = sa_family_t(AF_INET6)
                    address[0].sin6_addr = in6addr_loopback
                }
            }
        } else {
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self) { address in
                    address[0].sin_family = sa_family_t(AF_INET)
                    address[0].sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
                }
            }
        }
        let bound = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(fd)
            throw ReadFailure(errno: code)
        }
        self.fd = fd
        // sin_port and sin6_port sit at the same offset, in network byte order.
        port = withUnsafeBytes(of: &storage) { UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) }
    }
}
