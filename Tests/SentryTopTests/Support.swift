import SentryCore
@testable import sentry_top

/// A small dataset: five processes (three exported) and two containers.
enum Sample {
    static let dockerID = "8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3"
    static let podID = "713a77a26fe2a38ebebd5709604a048c3d380db1eb16aa43aca0b2499e54733c"

    static func row(
        _ pid: Int32, _ name: String, user: String = "root", cpu: Double? = 0, rss: UInt64? = 1 << 20,
        read: Double? = 0, write: Double? = 0, threads: Int? = 1, container: String = "", ranks: TopRanks = TopRanks(),
        start: Double = 1000
    ) -> ProcessRow {
        ProcessRow(
            pid: pid, startTime: start, name: name, user: user, uid: 0, state: .sleeping, cpuPercent: cpu,
            residentBytes: rss, readBytesPerSecond: read, writeBytesPerSecond: write, threads: threads,
            containerID: container, podUID: nil, ranks: ranks, listeningPorts: [])
    }

    static var data: TopData {
        var data = TopData()
        data.processes = [
            row(10, "burner", cpu: 99, rss: 2 << 20, threads: 1, ranks: TopRanks(cpu: 1, memory: 3)),
            row(20, "postgres", user: "postgres", cpu: 5, rss: 900 << 20, read: 4096, write: 1_048_576, threads: 8,
                container: dockerID, ranks: TopRanks(cpu: 2, memory: 1, io: 1)),
            row(30, "java", user: "alice", cpu: nil, rss: 500 << 20, read: nil, write: nil, threads: 40,
                container: podID, ranks: TopRanks(memory: 2)),
            row(40, "sleepy", user: "bob", cpu: 0, rss: 1 << 10),
            row(50, "日本語のプロセス名", user: "alice", cpu: 0, rss: 2 << 10),
        ]
        data.containers = [
            ContainerRow(id: dockerID, podUID: nil, runtime: .docker, processCount: 1, cpuPercent: 5, residentBytes: 900 << 20,
                         readBytesPerSecond: 4096, writeBytesPerSecond: 1_048_576),
            ContainerRow(id: podID, podUID: "4415fd05-2c0f-4533-909b-f2180dca8d7c", runtime: .containerd, processCount: 1,
                         cpuPercent: 0, residentBytes: 500 << 20, readBytesPerSecond: 0, writeBytesPerSecond: 0),
        ]
        data.header = HeaderFigures(
            cpuBusy: 0.5, perCPUBusy: [0.25, 0.75],
            memory: MemoryInfo(totalBytes: 4 << 30, availableBytes: 3 << 30, swapTotalBytes: 0, swapFreeBytes: 0),
            load: LoadAverage(one: 1.5, five: 1, fifteen: 0.5), uptime: 3600, processCount: 5, threadCount: 51,
            runningCount: 1, topN: 50, selectedCount: 3, seriesCount: 42)
        return data
    }
}

extension TopState {
    /// Applies a sequence of keys as the app would, with an 80x24 layout.
    mutating func press(_ keys: Key..., data: TopData = Sample.data) {
        for key in keys {
            let layout = TopLayout(width: 80, height: 24, cpuCount: data.header.perCPUBusy.count, tab: tab)
            viewportRows = layout.tableRows
            if let action = KeyMap.action(for: key, state: self, layout: layout) {
                _ = apply(action, data: data)
            }
        }
    }

    func pids(_ data: TopData = Sample.data) -> [Int32] {
        visibleProcesses(in: data).map(\.pid)
    }
}
