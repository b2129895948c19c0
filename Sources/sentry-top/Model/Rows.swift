import SentryCore

/// One process as sentry-top shows it, from a local scan or from an exporter's metrics.
///
/// Optional fields are ones a source may lack: rates on a process's first scan, IO that is
/// not readable, and in attach mode anything the exporter does not export (shown as "n/a",
/// never invented).
struct ProcessRow: Equatable, Sendable, Identifiable {
    /// What follows a process across refreshes: its node, PID and start time (PIDs are reused).
    struct ID: Hashable, Sendable {
        var pid: Int32
        var startTime: Double?
        var instance: String?
    }

    var pid: Int32
    var startTime: Double?
    var name: String
    var user: String
    var uid: UInt32?
    var state: ProcessState?
    var cpuPercent: Double?
    /// Net CPU of reaped children (`ProcessSample.childrenCPUPercent`, `childrenCPUSeconds`).
    var childrenCPUPercent: Double?
    var childrenCPUSeconds: Double?
    var residentBytes: UInt64?
    var readBytesPerSecond: Double?
    var writeBytesPerSecond: Double?
    var threads: Int?
    /// Empty for host processes.
    var containerID: String
    var podUID: String?
    var ranks: TopRanks
    /// Exported in no list, held after it left them all (`ProcessSample.isHeld`).
    var isHeld = false
    var listeningPorts: [ListeningPort]
    /// In the fleet view: the node (`instance` label) the process runs on.
    var instance: String? = nil

    var id: ID { ID(pid: pid, startTime: startTime, instance: instance) }

    /// Own plus children's CPU; n/a only when both are.
    var totalCPUPercent: Double? {
        guard cpuPercent != nil || childrenCPUPercent != nil else { return nil }
        return (cpuPercent ?? 0) + (childrenCPUPercent ?? 0)
    }

    var ioBytesPerSecond: Double? {
        guard let read = readBytesPerSecond, let write = writeBytesPerSecond else { return nil }
        return read + write
    }

    /// True if Prometheus receives this process.
    var isExported: Bool { ranks.isSelected || isHeld }
}

extension ProcessRow {
    init(_ sample: ProcessSample) {
        self.init(
            pid: sample.pid, startTime: sample.startTime, name: sample.name, user: sample.user, uid: sample.uid,
            state: sample.state, cpuPercent: sample.cpuPercent, childrenCPUPercent: sample.childrenCPUPercent,
            childrenCPUSeconds: sample.childrenCPUSeconds, residentBytes: sample.residentBytes,
            readBytesPerSecond: sample.readBytesPerSecond, writeBytesPerSecond: sample.writeBytesPerSecond,
            threads: sample.threads, containerID: sample.container?.id ?? "", podUID: sample.container?.podUID,
            ranks: sample.ranks, isHeld: sample.isHeld, listeningPorts: sample.listeningPorts)
    }
}

/// One container as the Containers tab shows it: all of its processes together.
struct ContainerRow: Equatable, Sendable, Identifiable {
    var id: String
    var podUID: String?
    var runtime: ContainerRuntime?
    var processCount: Int
    /// Its processes' own and children's CPU.
    var cpuPercent: Double
    /// CPU from the container's cgroup, exited processes' included; nil where not readable.
    var cgroupCPUPercent: Double?
    var residentBytes: UInt64
    var readBytesPerSecond: Double
    var writeBytesPerSecond: Double

    var shortID: Substring { id.prefix(12) }
}

extension ContainerRow {
    init(_ usage: ContainerUsage) {
        self.init(
            id: usage.container.id, podUID: usage.container.podUID, runtime: usage.container.runtime,
            processCount: usage.usage.processCount, cpuPercent: usage.usage.totalCPUPercent,
            cgroupCPUPercent: usage.cgroupCPUPercent,
            residentBytes: usage.usage.residentBytes, readBytesPerSecond: usage.usage.readBytesPerSecond,
            writeBytesPerSecond: usage.usage.writeBytesPerSecond)
    }
}

/// One node of the fleet as the Nodes tab shows it: its exporter's figures, top plus others,
/// so the node's whole.
struct NodeRow: Equatable, Sendable, Identifiable {
    /// The `instance` label.
    var instance: String
    /// Whether Prometheus's last scrape of it succeeded; nil if unknown.
    var isUp: Bool?
    /// Busy CPU (every process's own and children's, and the unattributed), percent of one core.
    var cpuPercent: Double?
    var residentBytes: Double?
    /// Storage reads plus writes per second.
    var ioBytesPerSecond: Double?
    var processCount: Int?

    var id: String { instance }
}
