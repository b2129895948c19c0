import Glibc

/// The TCP sockets listening in the caller's own network namespace, from the kernel's
/// `sock_diag` netlink interface (sock_diag(7), what `ss -lt` uses).
///
/// It answers the question `net/tcp` answers, far cheaper: a dump asked for listening sockets
/// only walks the listening hash, while reading `net/tcp` walks the whole established-connection
/// hash, sized by memory rather than by connections (about 4 ms per file on a 24 GiB host with
/// next to no connections). It only sees the caller's namespace, so a container's sockets are
/// still read from a member's `net/` files, and so is UDP (its tables are small to read).
///
/// The messages are decoded by byte offset, as fixed by the kernel's UAPI (`linux/netlink.h`,
/// `linux/inet_diag.h`): those headers are not part of the Glibc module, and a C target for
/// two structures would cost more than it saves.
public enum SocketDiagnostics {
    /// Calls `body(inode, port)` for every TCP socket of `kind` (`.tcp` or `.tcp6`) listening in
    /// this process's network namespace.
    ///
    /// - Throws: if netlink or the dump is unavailable (no `inet_diag` module, a seccomp filter,
    ///   a sandbox without `AF_NETLINK`), so the caller falls back to `net/tcp`.
    static func forEachListeningSocket(
        _ kind: SocketTable.Kind, _ body: (_ inode: UInt64, _ port: UInt16) -> Void
    ) throws(ReadFailure) {
        precondition(kind == .tcp || kind == .tcp6, "sock_diag is used for TCP only")
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkSockDiag)
        guard fd >= 0 else { throw ReadFailure(errno: errno) }
        defer { close(fd) }

        let request = dumpRequest(family: kind == .tcp ? UInt8(AF_INET) : UInt8(AF_INET6))
        // Without a destination address, netlink sends to the kernel.
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == request.count else { throw ReadFailure(errno: sent < 0 ? errno : EIO) }

        // One dump per table read, which the resolver caches for up to a minute: a buffer per
        // dump costs less than keeping one. The kernel fills at most 32 KiB per batch.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 32 << 10, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let received = recv(fd, buffer.baseAddress, buffer.count, 0)
            if received < 0 {
                if errno == EINTR { continue }
                throw ReadFailure(errno: errno)
            }
            switch parse(UnsafeRawBufferPointer(rebasing: buffer[..<received]), body) {
            case .more: continue
            case .done: return
            case .failed(let failure): throw failure
            }
        }
    }

    /// Where a dump stands after one batch of messages.
    public enum BatchResult: Equatable, Sendable {
        /// More batches follow.
        case more
        /// The dump ended (`NLMSG_DONE`).
        case done
        /// The kernel refused the dump (`NLMSG_ERROR`), or a message was cut short.
        case failed(ReadFailure)
    }

    /// Calls `body(inode, port)` for each listening socket in one batch of dump replies.
    public static func parse(
        _ batch: UnsafeRawBufferPointer, _ body: (_ inode: UInt64, _ port: UInt16) -> Void
    ) -> BatchResult {
        var offset = 0
        while offset < batch.count {
            guard batch.count - offset >= Header.size else { return .failed(.malformed) }
            let length = Int(batch.loadUnaligned(fromByteOffset: offset + Header.length, as: UInt32.self))
            let type = batch.loadUnaligned(fromByteOffset: offset + Header.type, as: UInt16.self)
            guard length >= Header.size, length <= batch.count - offset else { return .failed(.malformed) }
            let payload = offset + Header.size
            switch type {
            case MessageType.done:
                return .done
            case MessageType.error:
                // An `nlmsgerr`: a negative errno (above -4096, MAX_ERRNO), or 0 for an
                // acknowledgement, then the request it answers.
                guard length >= Header.size + 4 else { return .failed(.malformed) }
                let code = batch.loadUnaligned(fromByteOffset: payload, as: Int32.self)
                if code == 0 { return .done }
                return .failed(code < 0 && code > -4096 ? ReadFailure(errno: -code) : .malformed)
            case MessageType.sockDiagByFamily:
                guard length >= Header.size + Reply.size else { return .failed(.malformed) }
                let state = batch[payload + Reply.state]
                // The source port is in network byte order.
                let port = UInt16(batch[payload + Reply.sourcePort]) << 8 | UInt16(batch[payload + Reply.sourcePort + 1])
                let inode = batch.loadUnaligned(fromByteOffset: payload + Reply.inode, as: UInt32.self)
                if state == listenState, port > 0, inode > 0 { body(UInt64(inode), port) }
            default:
                break  // NLMSG_NOOP and anything newer: not ours to interpret
            }
            offset += (length + 3) & ~3  // NLMSG_ALIGN
        }
        return .more
    }

    // MARK: - Layout

    /// `NETLINK_SOCK_DIAG`, the netlink protocol of sock_diag.
    static let netlinkSockDiag: Int32 = 4

    /// `TCP_LISTEN` in `include/net/tcp_states.h`.
    static let listenState: UInt8 = 10

    /// `struct nlmsghdr`: 16 bytes in host byte order.
    enum Header {
        static let size = 16
        static let length = 0  // __u32 nlmsg_len
        static let type = 4  // __u16 nlmsg_type
        static let flags = 6  // __u16 nlmsg_flags
        static let sequence = 8  // __u32 nlmsg_seq
    }

    enum MessageType {
        static let error: UInt16 = 2  // NLMSG_ERROR
        static let done: UInt16 = 3  // NLMSG_DONE
        static let sockDiagByFamily: UInt16 = 20  // SOCK_DIAG_BY_FAMILY
    }

    /// `struct inet_diag_msg`, the payload of each reply: 72 bytes.
    enum Reply {
        static let size = 72
        static let state = 1  // __u8 idiag_state
        static let sourcePort = 4  // idiag_sport, big-endian
        static let inode = 68  // __u32 idiag_inode, after the 48-byte socket id and 4 counters
    }

    /// `struct inet_diag_req_v2`, the body of a request: family, protocol, extensions, padding,
    /// a state mask, then a 48-byte socket id.
    enum Request {
        static let size = 56
        static let family = 0  // __u8 sdiag_family
        static let protocolNumber = 1  // __u8 sdiag_protocol
        static let states = 4  // __u32 idiag_states
    }

    /// A dump request (`struct nlmsghdr` then `struct inet_diag_req_v2`) for the TCP sockets of
    /// one address family in `TCP_LISTEN`.
    static func dumpRequest(family: UInt8) -> [UInt8] {
        let size = Header.size + Request.size
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { request in
            request.storeBytes(of: UInt32(size), toByteOffset: Header.length, as: UInt32.self)
            request.storeBytes(of: MessageType.sockDiagByFamily, toByteOffset: Header.type, as: UInt16.self)
            // NLM_F_REQUEST | NLM_F_DUMP
            request.storeBytes(of: UInt16(0x1 | 0x300), toByteOffset: Header.flags, as: UInt16.self)
            request.storeBytes(of: UInt32(1), toByteOffset: Header.sequence, as: UInt32.self)
            let body = Header.size
            request[body + Request.family] = family
            request[body + Request.protocolNumber] = UInt8(IPPROTO_TCP)
            // A bit per state; the socket id that follows stays zero (any socket).
            request.storeBytes(of: UInt32(1) << listenState, toByteOffset: body + Request.states, as: UInt32.self)
        }
        return bytes
    }
}
