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

    /// Netlink lists only the collector's namespace: a container's listeners come from its files.
    @Test("a listener in another network namespace is read from that namespace's net/tcp", .enabled(if: getuid() == 0))
    func otherNamespace() throws {
        let (child, firstLine) = try startPythonChild(
            "import socket, time\ns = socket.socket(socket.AF_INET6)\ns.bind(('::1', 0))\ns.listen()\n"
                + "print(s.getsockname()[1], flush=True)\ntime.sleep(60)",
            inNewNetworkNamespace: true)
        defer { kill(child.processIdentifier, SIGKILL) }
        let childPort = try #require(UInt16(firstLine))

        let collector = try Collector(configuration: CollectorConfiguration(topN: 10_000, keptDescriptorLimit: 1024))
        let childSample = try #require(try collector.scan().process(child.processIdentifier))
        #expect(childSample.listeningPorts == [ListeningPort(kind: .tcp6, port: childPort)])
    }
}
