import Glibc
import Testing

@testable import SentryCore

@Suite("sock_diag: listening TCP sockets from netlink")
struct SocketDiagnosticsTests {
    /// One `nlmsghdr` with `payload`, padded to 4 bytes as the kernel sends it.
    private func message(type: UInt16, payload: [UInt8]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes.withUnsafeMutableBytes {
            $0.storeBytes(of: UInt32(16 + payload.count), toByteOffset: 0, as: UInt32.self)
            $0.storeBytes(of: type, toByteOffset: 4, as: UInt16.self)
        }
        bytes += payload
        bytes += [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
        return bytes
    }

    /// An `inet_diag_msg` for a socket in `state` on local `port` with `inode`.
    private func reply(state: UInt8, port: UInt16, inode: UInt32) -> [UInt8] {
        var payload = [UInt8](repeating: 0, count: 72)
        payload[0] = UInt8(AF_INET)
        payload[1] = state
        payload[4] = UInt8(port >> 8)
        payload[5] = UInt8(port & 0xFF)
        payload.withUnsafeMutableBytes { $0.storeBytes(of: inode, toByteOffset: 68, as: UInt32.self) }
        return message(type: 20, payload: payload)
    }

    private func error(_ code: Int32) -> [UInt8] {
        var payload = [UInt8](repeating: 0, count: 4)
        payload.withUnsafeMutableBytes { $0.storeBytes(of: code, toByteOffset: 0, as: Int32.self) }
        return message(type: 2, payload: payload)
    }

    private func parse(_ batch: [UInt8]) -> (SocketDiagnostics.BatchResult, [UInt64: UInt16]) {
        var found: [UInt64: UInt16] = [:]
        let result = batch.withUnsafeBytes { SocketDiagnostics.parse($0) { found[$0] = $1 } }
        return (result, found)
    }

    @Test("replies in TCP_LISTEN give inode and port (big-endian); the dump ends at NLMSG_DONE")
    func listeningReplies() {
        let batch = reply(state: 10, port: 8080, inode: 1234) + reply(state: 1, port: 5555, inode: 99)
            + reply(state: 10, port: 0x1F90 + 1, inode: 0xFFFF_FFF0) + message(type: 3, payload: [0, 0, 0, 0])
        let (result, found) = parse(batch)
        #expect(result == .done)
        #expect(found == [1234: 8080, 0xFFFF_FFF0: 8081])
    }

    @Test("a batch without NLMSG_DONE asks for more")
    func partialDump() {
        let (result, found) = parse(reply(state: 10, port: 22, inode: 7))
        #expect(result == .more)
        #expect(found == [7: 22])
    }

    @Test("NLMSG_ERROR carries a negative errno; zero is an acknowledgement")
    func errors() {
        #expect(parse(error(-EPERM)).0 == .failed(.permissionDenied))
        #expect(parse(error(-ENOENT)).0 == .failed(.vanished))
        #expect(parse(error(0)).0 == .done)
        // Found by fuzz-sockdiag: negating Int32.min trapped.
        #expect(parse(error(Int32.min)).0 == .failed(.malformed))
        #expect(parse(error(5)).0 == .failed(.malformed))
    }

    @Test("a message longer than the batch, shorter than its header or than a reply is malformed")
    func malformed() {
        var overlong = reply(state: 10, port: 22, inode: 7)
        overlong.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(500), toByteOffset: 0, as: UInt32.self) }
        #expect(parse(overlong).0 == .failed(.malformed))
        var zeroLength = reply(state: 10, port: 22, inode: 7)
        zeroLength.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(0), toByteOffset: 0, as: UInt32.self) }
        #expect(parse(zeroLength).0 == .failed(.malformed))
        #expect(parse(message(type: 20, payload: [UInt8](repeating: 0, count: 40))).0 == .failed(.malformed))
        #expect(parse([1, 2, 3]).0 == .failed(.malformed))
    }

    @Test("the request asks for a dump of one family's TCP sockets in TCP_LISTEN")
    func request() {
        let bytes = SocketDiagnostics.dumpRequest(family: UInt8(AF_INET6))
        #expect(bytes.count == 72)
        bytes.withUnsafeBytes {
            #expect($0.loadUnaligned(fromByteOffset: 0, as: UInt32.self) == 72)
            #expect($0.loadUnaligned(fromByteOffset: 4, as: UInt16.self) == 20)  // SOCK_DIAG_BY_FAMILY
            #expect($0.loadUnaligned(fromByteOffset: 6, as: UInt16.self) == 0x301)  // NLM_F_REQUEST | NLM_F_DUMP
            #expect($0[16] == UInt8(AF_INET6))
            #expect($0[17] == UInt8(IPPROTO_TCP))
            #expect($0.loadUnaligned(fromByteOffset: 20, as: UInt32.self) == 1 << 10)
        }
    }

    @Test("the live dump finds this process's loopback listeners, IPv4 and IPv6, as net/tcp does")
    func liveListeners() throws {
        for (ipv6, kind) in [(false, SocketTable.Kind.tcp), (true, .tcp6)] {
            let listener = try LoopbackListener(ipv6: ipv6)
            defer { close(listener.fd) }
            var fromNetlink: [UInt64: UInt16] = [:]
            try SocketDiagnostics.forEachListeningSocket(kind) { fromNetlink[$0] = $1 }
            #expect(fromNetlink[listener.inode] == listener.port, "\(kind)")

            let procFS = try ProcFS()
            var fromFile: [UInt64: UInt16] = [:]
            try procFS.read(pid: getpid(), kind.file) { table in
                SocketTable.forEachListeningSocket(in: table, kind: kind) { fromFile[$0] = $1 }
            }
            #expect(fromFile[listener.inode] == listener.port, "\(kind)")
        }
    }
}
