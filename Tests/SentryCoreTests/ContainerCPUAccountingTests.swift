import Foundation
import Testing
@testable import SentryCore

@Suite("Containers' CPU from their cgroup's accounting")
struct ContainerCPUAccountingTests {
    static let id = "8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3"
    static let other = "4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c38428142970"

    @Test("cpu.stat's usage_usec and cpuacct.usage, in nanoseconds; anything else is malformed")
    func parsers() {
        #expect(parse("usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n", CgroupCPUUsage.parseCPUStat)?.nanoseconds == 1_500_000)
        #expect(parse("user_usec 1000\nusage_usec 7\n", CgroupCPUUsage.parseCPUStat)?.nanoseconds == 7000)
        #expect(parse("user_usec 1000\n", CgroupCPUUsage.parseCPUStat) == nil)
        #expect(parse("usage_usec x\n", CgroupCPUUsage.parseCPUStat) == nil)
        #expect(parse("usage_usec 18446744073709551615\n", CgroupCPUUsage.parseCPUStat) == nil, "overflows in ns")
        #expect(parse("560119628555\n", CgroupCPUUsage.parseCPUAcctUsage)?.nanoseconds == 560_119_628_555)
        #expect(parse("560119628555", CgroupCPUUsage.parseCPUAcctUsage)?.nanoseconds == 560_119_628_555)
        #expect(parse("", CgroupCPUUsage.parseCPUAcctUsage) == nil)
        #expect(parse("12 34\n", CgroupCPUUsage.parseCPUAcctUsage) == nil)
        #expect(parse("-5\n", CgroupCPUUsage.parseCPUAcctUsage) == nil)
    }

    /// The accounting of a tree with the given hierarchies, and the source it finds for `cgroupFile`.
    private func source(hierarchies: [String], cgroupFile: String, id: String = id) throws -> ContainerCPUAccounting.Source? {
        let tree = try FakeProc()
        for file in hierarchies { tree.writeSys("fs/cgroup/" + file, "") }
        let accounting = ContainerCPUAccounting(sysRoot: tree.sysRoot)
        return Array(cgroupFile.utf8).withUnsafeBytes { accounting.source(of: id, cgroupFile: $0) }
    }

    @Test("cgroup v2: the unified line's cgroup, cut after the container's component")
    func unified() throws {
        let found = try source(
            hierarchies: ["cgroup.controllers"],
            cgroupFile: "0::/machine.slice/libpod-\(Self.id).scope/container\n")
        #expect(found == .init(path: "machine.slice/libpod-\(Self.id).scope/cpu.stat", isUnified: true))
    }

    @Test("cgroup v1: the cpuacct line (alone or with cpu), not another controller's")
    func cpuacct() throws {
        let file = "5:pids:/docker/\(Self.other)\n3:cpu,cpuacct:/docker/\(Self.id)\n0::/\n"
        #expect(
            try source(hierarchies: ["cpu,cpuacct/cpuacct.usage"], cgroupFile: file)
                == .init(path: "cpu,cpuacct/docker/\(Self.id)/cpuacct.usage", isUnified: false))
        #expect(
            try source(hierarchies: ["cpuacct/cpuacct.usage"], cgroupFile: "2:cpuacct:/docker/\(Self.id)\n")
                == .init(path: "cpuacct/docker/\(Self.id)/cpuacct.usage", isUnified: false))
        // The ID only in the pids hierarchy: no accounting names the container.
        #expect(try source(hierarchies: ["cpuacct/cpuacct.usage"], cgroupFile: "5:pids:/docker/\(Self.id)\n2:cpuacct:/\n") == nil)
    }

    @Test("a hybrid host: the unified hierarchy where it names the container, else cpuacct")
    func hybrid() throws {
        let hierarchies = ["unified/cgroup.controllers", "cpuacct/cpuacct.usage"]
        #expect(
            try source(hierarchies: hierarchies, cgroupFile: "2:cpuacct:/docker/\(Self.id)\n0::/system.slice/docker-\(Self.id).scope\n")
                == .init(path: "unified/system.slice/docker-\(Self.id).scope/cpu.stat", isUnified: true))
        #expect(
            try source(hierarchies: hierarchies, cgroupFile: "2:cpuacct:/docker/\(Self.id)\n0::/\n")
                == .init(path: "cpuacct/docker/\(Self.id)/cpuacct.usage", isUnified: false))
    }

    @Test("no hierarchy, a path outside the cgroup namespace, or no ID: no source")
    func none() throws {
        #expect(try source(hierarchies: [], cgroupFile: "0::/docker/\(Self.id)\n") == nil)
        #expect(try source(hierarchies: ["cgroup.controllers"], cgroupFile: "0::/../../docker/\(Self.id)\n") == nil)
        #expect(try source(hierarchies: ["cgroup.controllers"], cgroupFile: "0::/docker/\(Self.other)\n") == nil)
        #expect(try source(hierarchies: ["cgroup.controllers"], cgroupFile: "garbage without colons") == nil)
    }

    @Test("a container's CPU from its cgroup, with its exited processes', between two scans")
    func collectorRates() throws {
        let tree = try FakeProc()
        tree.writeSys("fs/cgroup/cpuacct/cpuacct.usage", "0\n")
        tree.writeSys("fs/cgroup/cpuacct/docker/\(Self.id)/cpuacct.usage", "1000000000\n")
        let cgroup = "2:cpuacct:/docker/\(Self.id)\n0::/\n"
        tree.setProcess(pid: 10, name: "sh", cgroup: cgroup)
        tree.setProcess(pid: 20, name: "unaccounted", cgroup: "5:pids:/docker/\(Self.other)\n2:cpuacct:/\n")
        let clock = ManualClock()
        let collector = try tree.collector(clock: clock)
        let first = try collector.scan()
        let firstContainer = try #require(first.containers.first { $0.container.id == Self.id })
        #expect(firstContainer.cgroupCPUSeconds == 1)
        #expect(firstContainer.cgroupCPUPercent == nil)
        #expect(first.containerAccountingUnreadable.vanished == 1, "the other container has no accounting")

        // 1.5 s of CPU in 2 s, though the container's only live process used none: its children did.
        clock.advance(by: 2)
        tree.writeSys("fs/cgroup/cpuacct/docker/\(Self.id)/cpuacct.usage", "2500000000\n")
        let second = try collector.scan()
        let container = try #require(second.containers.first { $0.container.id == Self.id })
        #expect(container.cgroupCPUPercent == 75)
        #expect(container.cgroupCPUSeconds == 2.5)
        #expect(container.usage.totalCPUPercent == 0)
        #expect(second.containers.first?.container.id == Self.id, "ordered and ranked by the cgroup's CPU")
        #expect(container.ranks[.cpu] == 1)

        // The cgroup is gone (the container stopped) while a process still lists it: counted.
        try FileManager.default.removeItem(atPath: "\(tree.sysRoot)/fs/cgroup/cpuacct/docker")
        clock.advance(by: 2)
        let third = try collector.scan()
        #expect(third.containers.first { $0.container.id == Self.id }?.cgroupCPUPercent == nil)
        #expect(third.containerAccountingUnreadable.vanished == 2)
    }

    @Test("malformed or unreadable accounting is counted, not an error")
    func malformed() throws {
        let tree = try FakeProc()
        tree.writeSys("fs/cgroup/cgroup.controllers", "cpu\n")
        tree.writeSys("fs/cgroup/docker/\(Self.id)/cpu.stat", "user_usec 5\n")
        tree.setProcess(pid: 10, cgroup: "0::/docker/\(Self.id)\n")
        let snapshot = try tree.collector(clock: ManualClock()).scan()
        #expect(snapshot.containerAccountingUnreadable.malformed == 1)
        #expect(snapshot.containers.first?.cgroupCPUSeconds == nil)
    }
}
