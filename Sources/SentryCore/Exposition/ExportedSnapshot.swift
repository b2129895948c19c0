/// What one scrape of a sentry-exporter says: its Top N processes, the totals of the rest, its
/// containers and its health, read back from the families `Exposition` writes.
///
/// The TUI's attach mode shows this instead of a local `Snapshot`. Only what the exposition
/// carries is here, and anything a scrape may lack is optional: a figure the exporter could not
/// measure is simply absent, and a family from another exporter (or the standard `process_*`
/// ones) is ignored.
public struct ExportedSnapshot: Equatable, Sendable {
    /// The exported processes, in PID order.
    public var processes: [ExportedProcess]
    /// The processes in no Top N list, together; nil if the scrape has none of the
    /// `proc_process_others_*` samples (before the exporter's first scan).
    public var others: ResourceTotals?
    /// `Snapshot.othersChildrenCPUSeconds`.
    public var othersChildrenCPUSeconds: Double?
    /// `Snapshot.unattributedCPUPercent`; nil for the exporter's first scan.
    public var unattributedCPUPercent: Double?
    /// The exported containers, by ID.
    public var containers: [ExportedContainer]
    /// The N of "Top N" (`--top-n`).
    public var topN: Int?
    /// Seconds the last scan took.
    public var scanDuration: Double?
    /// When the last scan started, in seconds since the Unix epoch.
    public var lastScanTime: Double?
    public var processesScanned: Int?
    public var processesSelected: Int?
    /// Exported processes held in no list (`Snapshot.heldCount`).
    public var processesHeld: Int?
    /// Samples in the exposition, as the exporter counted them.
    public var seriesExported: Int?
    /// The exporter's version.
    public var version: String?

    /// Parses one scrape's body.
    ///
    /// - Throws: `.malformed` if the body is not a valid text exposition, `.notProcSentry` if it
    ///   is one from another exporter.
    public init(exposition bytes: some Collection<UInt8>) throws(ExportedSnapshotError) {
        let families: [MetricFamily]
        do {
            families = try ExpositionParser.parse(bytes)
        } catch {
            throw .malformed(error)
        }
        try self.init(families: families)
    }

    /// Reads the proc-sentry families out of `families`.
    ///
    /// - Throws: `.notProcSentry` if there is no `proc_sentry_build_info` family.
    public init(families: [MetricFamily]) throws(ExportedSnapshotError) {
        guard let buildInfo = families.first(where: { $0.name == "proc_sentry_build_info" }) else {
            throw .notProcSentry
        }
        self.init(storedFamilies: families)
        version = buildInfo.samples.first?.label("version")
    }

    /// Reads whatever proc-sentry families `families` has, without requiring a whole scrape:
    /// as a query to Prometheus for some processes' series of several exporters returns them
    /// (no build info, no self metrics; the caller groups them by exporter).
    public init(storedFamilies families: [MetricFamily]) {
        let samples = SamplesByName(families)
        processes = ExportedProcess.all(in: samples)
        others = ResourceTotals.others(in: samples)
        othersChildrenCPUSeconds = samples.value("proc_process_others_children_cpu_seconds_total")
        unattributedCPUPercent = samples.value("proc_process_unattributed_cpu_percent")
        containers = ExportedContainer.all(in: samples)
        topN = samples.value("proc_sentry_top_n").flatMap(\.exactCount)
        scanDuration = samples.value("proc_sentry_scan_duration_seconds")
        lastScanTime = samples.value("proc_sentry_last_scan_timestamp_seconds")
        processesScanned = samples.value("proc_sentry_processes_scanned").flatMap(\.exactCount)
        processesSelected = samples.value("proc_sentry_processes_selected").flatMap(\.exactCount)
        processesHeld = samples.value("proc_sentry_processes_held").flatMap(\.exactCount)
        seriesExported = samples.value("proc_sentry_series_exported").flatMap(\.exactCount)
    }
}

/// Why a scrape could not be read as an `ExportedSnapshot`.
public enum ExportedSnapshotError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body is not a valid text exposition.
    case malformed(ExpositionParseError)
    /// The body is a valid exposition without `proc_sentry_build_info`: another exporter answered.
    case notProcSentry

    public var description: String {
        switch self {
        case .malformed(let error): "malformed exposition: \(error)"
        case .notProcSentry: "not a proc-sentry exporter"
        }
    }
}

/// One exported process, joined from the per-process families on its `pid` label.
public struct ExportedProcess: Equatable, Sendable {
    public var pid: Int32
    public var name: String
    public var user: String
    /// The full container ID; empty for a host process.
    public var containerID: String
    /// CPU use over the last interval, in percent of one core; nil for the exporter's first scan.
    public var cpuPercent: Double?
    public var cpuSeconds: Double?
    /// Net CPU of reaped children (`ProcessSample.childrenCPUPercent`, `childrenCPUSeconds`).
    public var childrenCPUPercent: Double?
    public var childrenCPUSeconds: Double?
    public var residentBytes: UInt64?
    /// Storage bytes per second over the last interval; nil without two readings of `/proc/PID/io`.
    public var readBytesPerSecond: Double?
    public var writeBytesPerSecond: Double?
    /// Storage bytes since the process started; nil without access to `/proc/PID/io`.
    public var readBytesTotal: UInt64?
    public var writeBytesTotal: UInt64?
    public var threads: Int?
    /// When the process started, in seconds since the Unix epoch.
    public var startTime: Double?
    public var ranks = TopRanks()
    /// Sorted.
    public var listeningPorts: [ListeningPort] = []

    /// Whether the exporter holds the process in no list (`ProcessSample.isHeld`): it sends its
    /// series without a rank.
    public var isHeld: Bool { !ranks.isSelected }
}

extension ExportedProcess {
    /// A process known so far only by the identifying labels of `sample`.
    private init(pid: Int32, labelsOf sample: MetricFamily.Sample) {
        self.init(
            pid: pid, name: sample.label("name") ?? "", user: sample.label("user") ?? "",
            containerID: sample.label("container_id") ?? "")
    }

    /// Every process with a sample in a per-process family, in PID order. A process's name,
    /// user and container come from its first sample.
    fileprivate static func all(in samples: SamplesByName) -> [ExportedProcess] {
        var processes: [Int32: ExportedProcess] = [:]
        func join(_ name: String, _ update: (inout ExportedProcess, MetricFamily.Sample) -> Void) {
            for sample in samples[name] {
                guard let pid = sample.label("pid").flatMap({ Int32(decimalDigits: $0.utf8) }) else { continue }
                update(&processes[pid, default: ExportedProcess(pid: pid, labelsOf: sample)], sample)
            }
        }
        for family in ProcessFigureFamily.all {
            join(family.name.description) { family.restore(&$0, $1.value) }
        }
        join("proc_process_top_rank") { process, sample in
            guard let list = sample.label("list").flatMap(TopList.init(rawValue:)) else { return }
            process.ranks[list] = sample.value.exactCount.flatMap { $0 >= 1 ? $0 : nil }
        }
        join("proc_process_top_listening_port_info") { process, sample in
            guard let kind = sample.label("protocol").flatMap(SocketTable.Kind.init(rawValue:)),
                let port = sample.label("port").flatMap({ label in UInt16(decimalDigits: label.utf8) })
            else { return }
            process.listeningPorts.append(ListeningPort(kind: kind, port: port))
        }
        return processes.values.sorted { $0.pid < $1.pid }.map { process in
            var process = process
            process.listeningPorts = Set(process.listeningPorts).sorted()
            return process
        }
    }
}

/// One exported container, from the `proc_container_*` families.
public struct ExportedContainer: Equatable, Sendable {
    /// The full container ID.
    public var id: String
    /// The Kubernetes pod UID; nil outside Kubernetes.
    public var podUID: String?
    /// Its processes together; `threads` is not exported and stays 0.
    public var usage = ResourceTotals()
    /// `ContainerUsage.cgroupCPUPercent` and `cgroupCPUSeconds`.
    public var cgroupCPUPercent: Double? = nil
    public var cgroupCPUSeconds: Double? = nil
}

extension ExportedContainer {
    /// Every container with a sample in a container family, by ID. A container's pod comes
    /// from its first sample.
    fileprivate static func all(in samples: SamplesByName) -> [ExportedContainer] {
        var containers: [String: ExportedContainer] = [:]
        func join(_ name: String, _ update: (inout ExportedContainer, Double) -> Void) {
            for sample in samples[name] {
                guard let id = sample.label("container_id") else { continue }
                let podUID = sample.label("pod_uid").flatMap { $0.isEmpty ? nil : $0 }
                update(&containers[id, default: ExportedContainer(id: id, podUID: podUID)], sample.value)
            }
        }
        for family in ContainerFigureFamily.all {
            join(family.name.description) { family.restore(&$0, $1) }
        }
        return containers.values.sorted { $0.id < $1.id }
    }
}

extension ResourceTotals {
    /// The `proc_process_others_*` figures; nil if the scrape has none of them.
    fileprivate static func others(in samples: SamplesByName) -> ResourceTotals? {
        let figures = TotalsFigure.allCases.compactMap { figure in
            samples.value("proc_process_others_" + figure.suffix).map { (figure, $0) }
        }
        guard !figures.isEmpty else { return nil }
        var totals = ResourceTotals()
        for (figure, value) in figures { figure.set(value, in: &totals) }
        totals.childrenCPUPercent = samples.value("proc_process_others_children_cpu_percent") ?? 0
        return totals
    }
}

/// The figures of a `ResourceTotals` that the exporter writes for the others.
private enum TotalsFigure: CaseIterable {
    case cpuPercent, residentBytes, readBytesPerSecond, writeBytesPerSecond, processCount

    /// The end of the metric name, after `proc_process_others_`.
    var suffix: String {
        switch self {
        case .cpuPercent: "cpu_percent"
        case .residentBytes: "memory_bytes"
        case .readBytesPerSecond: "io_read_bytes_per_second"
        case .writeBytesPerSecond: "io_write_bytes_per_second"
        case .processCount: "processes"
        }
    }

    /// Sets this figure of `totals` to `value`. Bytes or a count that is not a non-negative
    /// integer become 0: a total has no way to say "unknown".
    func set(_ value: Double, in totals: inout ResourceTotals) {
        switch self {
        case .cpuPercent: totals.cpuPercent = value
        case .residentBytes: totals.residentBytes = UInt64(exactly: value) ?? 0
        case .readBytesPerSecond: totals.readBytesPerSecond = value
        case .writeBytesPerSecond: totals.writeBytesPerSecond = value
        case .processCount: totals.processCount = value.exactCount ?? 0
        }
    }
}

/// The samples of an exposition by metric name, regardless of family.
private struct SamplesByName {
    private let samples: [String: [MetricFamily.Sample]]

    init(_ families: [MetricFamily]) {
        samples = Dictionary(grouping: families.lazy.flatMap(\.samples), by: \.name)
    }

    /// The samples named `name`, in exposition order.
    subscript(name: String) -> [MetricFamily.Sample] { samples[name] ?? [] }

    /// The value of the first sample named `name`.
    func value(_ name: String) -> Double? { samples[name]?.first?.value }
}

extension Double {
    /// This value as a count: nil unless it is a non-negative integer that fits an `Int`.
    var exactCount: Int? { self >= 0 ? Int(exactly: self) : nil }
}

