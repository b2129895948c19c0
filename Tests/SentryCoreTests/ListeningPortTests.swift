import Foundation
import Testing

@testable import SentryCore

@Suite("Listening ports on the live /proc")
struct ListeningPortTests {
    @Test("a child's loopback listener is found; the collector's own process is not walked")
    func liveListeners() throws {
        let ownListener = try LoopbackListener()
        defer { close(ownListener.fd) }

        let (child, firstLine) = try startPythonChild(
            "import socket, sys, time\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen()\n"
                + "print(s.getsockname()[1], flush=True)\ntime.sleep(60)")
        defer { kill(child.processIdentifier, SIGKILL) }
        let childPort = try #require(UInt16(firstLine))

        // Every process is selected (N is large), so ports are resolved for both. The descriptor
        // budget is explicit: the default raises this test process's RLIMIT_NOFILE to its hard
        // limit, and Foundation's Process.run in the other tests crashes with a limit that large.
        let collector = try Collector(configuration: CollectorConfiguration(topN: 10_000, keptDescriptorLimit: 1024))
        let snapshot = try collector.scan()
        let childSample = try #require(snapshot.process(child.processIdentifier))
        #expect(childSample.listeningPorts.contains(ListeningPort(kind: .tcp, port: childPort)))
        let own = try #require(snapshot.process(getpid()))
        #expect(own.ranks.isSelected)
        #expect(own.listeningPorts.isEmpty, "own listener on \(ownListener.port) was resolved")
    }
}

/// A TCP socket listening on 127.0.0.1 at a port the kernel picks.
private struct LoopbackListener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw ReadFailure(errno: errno) }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
    }
}
