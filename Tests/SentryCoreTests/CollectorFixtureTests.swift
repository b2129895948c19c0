import Foundation
import Glibc
import Testing
@testable import SentryCore

@Suite("Collector on the fixture tree")
struct CollectorFixtureTests {
    private func scanFixtures(topN: Int = 50, collectsCommandLines: Bool = false) throws -> Snapshot {
        let collector = try Collector(
            configuration: CollectorConfiguration(
                procRoot: Fixtures.proc, passwdPath: Fixtures.passwd, topN: topN,
                collectsCommandLines: collectsCommandLines, clockTicksPerSecond: 100, pageSize: 4096),
            clock: ManualClock())
        return try collector.scan()
    }

    @Test("reads every process, in PID order, skipping a malformed stat")
    func processes() throws {
        let snapshot = try scanFixtures()
        #expect(snapshot.processes.map(\.pid) == [1, 2, 584, 600, 700, 900, 1000, 1200, 1201])
        #expect(snapshot.unreadable.malformed == 1)  // 1100/stat
        // 1000 has no io file but is there, as on a kernel without task I/O accounting: not an exit.
        #expect(snapshot.unreadable.noIOAccounting == 1)
        #expect(snapshot.unreadable.vanished == 0)
        #expect(snapshot.system.cpuCount == 2)
        #expect(snapshot.interval == nil)
    }

    @Test("per-process fields: name, state, user, RSS, threads, IO, start time")
    func fields() throws {
        let snapshot = try scanFixtures()
        let nginx = try #require(snapshot.process(700))
        #expect(nginx.name == "nginx")
        #expect(nginx.user == "www-data")
        #expect(nginx.uid == 33)
        #expect(nginx.residentBytes == 25600 * 4096)
        #expect(nginx.threads == 4)
        #expect(nginx.cpuSeconds == 4)
        #expect(nginx.io == ProcessIO(readBytes: 8192, writeBytes: 65536))
        #expect(nginx.startTime == 1_795_600_000 + 70)
        #expect(nginx.state == .sleeping)

        #expect(try #require(snapshot.process(584)).name == "(a b ) ( c d) ")
        #expect(try #require(snapshot.process(584)).user == "alice")
        #expect(try #require(snapshot.process(900)).name == "a\"b\\c\nd")
        #expect(try #require(snapshot.process(900)).user == "4242")
        #expect(try #require(snapshot.process(1000)).name == "123456789012345")
        #expect(try #require(snapshot.process(1000)).io == nil)
        #expect(try #require(snapshot.process(600)).state == .zombie)
        let kthreadd = try #require(snapshot.process(2))
        #expect(kthreadd.isKernelThread)
        #expect(kthreadd.residentBytes == 0)
    }

    @Test("a kernel thread's cgroup is not read: kernel threads stay in the root cgroup")
    func kernelThreadHasNoContainer() throws {
        let fake = try FakeProc()
        fake.setProcess(pid: 2, name: "kthreadd")
        // Flags 0x208040: PF_KTHREAD (0x200000) set. No cgroup file: reading one would count it.
        fake.write("2/stat", "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 5 0 0 0 20 0 1 0 1 0 0 0\n")
        try FileManager.default.removeItem(atPath: "\(fake.root)/2/cgroup")
        let snapshot = try fake.collector(clock: ManualClock()).scan()
        let kthreadd = try #require(snapshot.process(2))
        #expect(kthreadd.isKernelThread)
        #expect(kthreadd.container == nil)
        #expect(snapshot.unreadable == UnreadableCounts())
    }

    @Test("scanning the selected processes' containers leaves the others' to the next scan")
    func containersOfSelectedProcessesFirst() throws {
        let fake = try FakeProc()
        let ids = ["a", "b"].map { String(repeating: $0, count: 64) }
        fake.setProcess(pid: 10, name: "large", residentPages: 1000, cgroup: "0::/system.slice/docker-\(ids[0]).scope")
        fake.setProcess(pid: 20, name: "small", residentPages: 10, cgroup: "0::/system.slice/docker-\(ids[1]).scope")
        let clock = ManualClock()
        let collector = try fake.collector(topN: 1, clock: clock)

        let first = try collector.scan(containers: .selectedProcesses)
        #expect(first.selected.map { first.processes[$0].pid } == [10])
        #expect(first.process(10)?.container?.id == ids[0])
        #expect(first.process(20)?.container == nil)
        #expect(first.containersPending)
        #expect(first.containers.isEmpty, "sums over some of the containers' processes would be short")

        clock.advance(by: 1)
        let second = try collector.scan(containers: .selectedProcesses)
        #expect(second.process(20)?.container == nil, "still not selected, still not read")
        #expect(second.containersPending)

        clock.advance(by: 1)
        let third = try collector.scan()
        #expect(third.process(20)?.container?.id == ids[1])
        #expect(!third.containersPending)
        #expect(third.containers.map(\.container.id).sorted() == ids)

        // Once every container is known, a scan of the selected processes' is complete too.
        clock.advance(by: 1)
        let fourth = try collector.scan(containers: .selectedProcesses)
        #expect(!fourth.containersPending)
        #expect(fourth.containers.count == 2)
    }

    @Test("containers: IDs, pod UID, and aggregates over all of a container's processes")
    func containers() throws {
        let snapshot = try scanFixtures()
        #expect(try #require(snapshot.process(1)).container == nil)
        let nginx = try #require(snapshot.process(700)?.container)
        #expect(nginx.id == "9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d")
        #expect(nginx.runtime == .docker)
        let pod = try #require(snapshot.containers.first { $0.container.runtime == .containerd })
        #expect(pod.container.podUID == "4415fd05-2c0f-4533-909b-f2180dca8d7c")
        #expect(pod.usage.processCount == 2)
        #expect(pod.usage.residentBytes == (51200 + 256) * 4096)
        #expect(snapshot.containers.count == 2)
    }

    @Test("the first scan selects by memory only: CPU and IO need two scans")
    func firstScanSelection() throws {
        let snapshot = try scanFixtures(topN: 2)
        #expect(snapshot.lists[.memory]!.map { snapshot.processes[$0].pid } == [1200, 700])
        #expect(snapshot.lists[.cpu] == [])
        #expect(snapshot.lists[.io] == [])
        #expect(snapshot.selected.map { snapshot.processes[$0].pid } == [700, 1200])
        #expect(snapshot.others.processCount == snapshot.processes.count - 2)
        #expect(snapshot.total.residentBytes == snapshot.processes.reduce(0) { $0 + $1.residentBytes })
    }

    @Test("listening ports of selected processes only, deduplicated, local ports only")
    func listeningPorts() throws {
        let snapshot = try scanFixtures(topN: 2)
        let nginx = try #require(snapshot.process(700))
        #expect(nginx.listeningPorts == [
            ListeningPort(kind: .udp, port: 53), ListeningPort(kind: .tcp6, port: 443), ListeningPort(kind: .tcp, port: 8080),
        ])
        let unselected = try #require(snapshot.process(1))
        #expect(unselected.listeningPorts.isEmpty)
    }

    @Test("command lines of selected processes only, and only when asked for")
    func commandLines() throws {
        #expect(try scanFixtures().processes.allSatisfy { $0.commandLine == nil })

        let snapshot = try scanFixtures(topN: 3, collectsCommandLines: true)
        let selected = Set(snapshot.selected.map { snapshot.processes[$0].pid })
        for process in snapshot.processes {
            #expect((process.commandLine != nil) == selected.contains(process.pid), "pid \(process.pid)")
        }
        #expect(snapshot.process(700)?.commandLine == "nginx: master process /usr/sbin/nginx -g daemon on;")
        // 1200: java with a 505-byte argument ending in "é€", then bytes that are not UTF-8.
        let java = try #require(snapshot.process(1200)?.commandLine)
        #expect(java == "java -Dtoken=" + String(repeating: "a", count: 495) + "é…", "\(java.utf8.count) bytes")
    }

    /// A copy of the fixture tree to rewrite, the clock of its collector (N = 2, so nginx, 700,
    /// is selected), and a scan that returns nginx's TCP ports.
    private func nginxPortScanner() throws -> (FakeProc, ManualClock, () throws -> [UInt16]) {
        let tree = try FakeProc(copying: Fixtures.proc)
        let clock = ManualClock()
        let collector = try Collector(
            configuration: CollectorConfiguration(
                procRoot: tree.root, passwdPath: Fixtures.passwd, topN: 2, clockTicksPerSecond: 100, pageSize: 4096),
            clock: clock)
        return (tree, clock, { try #require(try collector.scan().process(700)).listeningPorts.filter { $0.kind == .tcp }.map(\.port) })
    }

    @Test("socket tables are read again only for a new socket or after a minute")
    func socketTablesAreCached() throws {
        let (tree, clock, tcpPorts) = try nginxPortScanner()
        #expect(try tcpPorts() == [8080])

        // 8080 closes and 9090 listens on socket 30004, which nginx already held: no new socket,
        // so the table is not read again yet.
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 30004 1 0
            """
        tree.write("700/net/tcp", table + "\n")
        clock.advance(by: 30)
        #expect(try tcpPorts() == [8080])

        // Past a minute since the read, it is read again.
        clock.advance(by: 31)
        #expect(try tcpPorts() == [9090])

        // A socket not held at the last read also makes it read again, however recent.
        tree.write("700/net/tcp", table + "\n   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 30007 1 0\n")
        #expect(symlink("socket:[30007]", "\(tree.root)/700/fd/9") == 0)
        clock.advance(by: 1)
        #expect(try tcpPorts() == [80, 9090])
    }

    @Test("a table of many descriptors is walked again only after ten seconds; a small one every scan")
    func largeDescriptorTablesAreWalkedLess() throws {
        let (tree, clock, tcpPorts) = try nginxPortScanner()
        // Socket 40000 listens on 22 in nginx's table, but no descriptor of nginx holds it yet.
        #expect(try tcpPorts() == [8080])

        // A small table (eight descriptors): a new socket shows up at the next scan.
        #expect(symlink("socket:[40000]", "\(tree.root)/700/fd/20") == 0)
        clock.advance(by: 1)
        #expect(try tcpPorts() == [22, 8080])

        // A large one: hundreds of pipes, then a socket that is not seen until ten seconds
        // after the walk that found the table large.
        #expect(unlink("\(tree.root)/700/fd/20") == 0)
        for fd in 30..<(30 + ListeningPortResolver.largeTable) {
            #expect(symlink("pipe:[\(50000 + fd)]", "\(tree.root)/700/fd/\(fd)") == 0)
        }
        clock.advance(by: 1)
        #expect(try tcpPorts() == [8080])  // walked: large
        #expect(symlink("socket:[40000]", "\(tree.root)/700/fd/20") == 0)
        clock.advance(by: 9)
        #expect(try tcpPorts() == [8080])  // not walked
        clock.advance(by: 1)
        #expect(try tcpPorts() == [22, 8080])  // ten seconds on: walked again
    }

    @Test("a missing cgroup file leaves the process without a container, counted, not dropped")
    func missingCgroupFile() throws {
        let tree = try FakeProc(copying: Fixtures.proc)
        #expect(unlink("\(tree.root)/1200/cgroup") == 0)
        let collector = try Collector(
            configuration: CollectorConfiguration(procRoot: tree.root, passwdPath: Fixtures.passwd, clockTicksPerSecond: 100, pageSize: 4096),
            clock: ManualClock())
        let snapshot = try collector.scan()
        let java = try #require(snapshot.process(1200))
        #expect(java.container == nil)
        #expect(java.residentBytes == 51200 * 4096)
        #expect(snapshot.unreadable.vanished == 1)  // 1200/cgroup
        #expect(snapshot.unreadable.noIOAccounting == 1)  // 1000/io
        // Its container still has its other process.
        #expect(snapshot.process(1201)?.container != nil)
    }

    @Test("an unreadable io is counted as permission denied and the process kept without IO")
    func permissionDenied() throws {
        let tree = try FakeProc(copying: Fixtures.proc)
        #expect(chmod("\(tree.root)/700/io", 0) == 0)
        let collector = try Collector(
            configuration: CollectorConfiguration(procRoot: tree.root, passwdPath: Fixtures.passwd, clockTicksPerSecond: 100, pageSize: 4096),
            clock: ManualClock())
        let snapshot = try asUnprivilegedUser { try collector.scan() }
        #expect(snapshot.unreadable.permissionDenied >= 1)
        let nginx = try #require(snapshot.process(700))
        #expect(nginx.io == nil)
        #expect(nginx.residentBytes == 25600 * 4096)
    }

    @Test("a proc root that is not a directory, or has no stat, is an error")
    func badRoot() throws {
        #expect(throws: ReadFailure.vanished) {
            try Collector(configuration: CollectorConfiguration(procRoot: "/nonexistent"))
        }
        let tree = try FakeProc()
        try FileManager.default.removeItem(atPath: "\(tree.root)/stat")
        let collector = try tree.collector(clock: ManualClock())
        #expect(throws: ReadFailure.vanished) { try collector.scan() }
    }
}
