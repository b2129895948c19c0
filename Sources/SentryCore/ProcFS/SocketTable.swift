/// `/proc/<pid>/net/{tcp,tcp6,udp,udp6}`: the sockets of one network namespace, see proc_net(5).
public enum SocketTable {
    /// The transport protocol and address family of one table.
    public enum Kind: String, CaseIterable, Sendable, Comparable {
        case tcp, tcp6, udp, udp6

        /// The table's path below `<pid>/`.
        var file: StaticString {
            switch self {
            case .tcp: "net/tcp"
            case .tcp6: "net/tcp6"
            case .udp: "net/udp"
            case .udp6: "net/udp6"
            }
        }

        /// The `st` value of a socket that accepts traffic: `TCP_LISTEN` (0A) for TCP, and for
        /// UDP `TCP_CLOSE` (07), which the kernel shows for bound, unconnected datagram sockets.
        var listeningState: UInt64 {
            switch self {
            case .tcp, .tcp6: 0x0A
            case .udp, .udp6: 0x07
            }
        }

        public static func < (lhs: Kind, rhs: Kind) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// Calls `body(inode, port)` for every listening socket in a table of `kind`.
    ///
    /// Only the *local* address is read, and a socket listens only in the listening state with a
    /// non-zero port: matching `:PORT` anywhere in a row would also match remote ports.
    /// Rows that do not parse are skipped.
    public static func forEachListeningSocket(
        in bytes: UnsafeRawBufferPointer, kind: Kind, _ body: (_ inode: UInt64, _ port: UInt16) -> Void
    ) {
        var cursor = ByteCursor(bytes)
        cursor.skipLine()  // header
        while !cursor.isAtEnd {
            defer { cursor.skipLine() }
            cursor.skipBlanks()
            cursor.skipField()  // "sl:"
            guard cursor.skip(past: UInt8(ascii: ":")),  // local address in hex, then ':'
                let port = cursor.readHexadecimal(), port > 0, port <= UInt64(UInt16.max)
            else { continue }
            cursor.skipBlanks()
            cursor.skipField()  // remote address:port
            guard let state = cursor.readHexadecimal(), state == kind.listeningState else { continue }
            cursor.skipBlanks()
            cursor.skipFields(5)  // tx_queue:rx_queue, tr:tm->when, retrnsmt, uid, timeout
            guard let inode = cursor.readDecimal(), inode > 0 else { continue }
            body(inode, UInt16(port))
        }
    }
}
