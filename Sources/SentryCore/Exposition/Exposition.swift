/// The exporter's whole exposition: one snapshot's Top N processes, the totals of the rest,
/// containers, and the exporter's health, rendered once per scan.
///
/// Every family is written on every scan, from the snapshot alone, so a process that leaves the
/// Top N simply stops appearing (Prometheus marks its series stale) instead of lingering in a
/// registry.
public struct Exposition {
    /// The exporter's version, for `proc_sentry_build_info`.
    public var version: String
    /// Scans attempted and failed since the exporter started.
    public var scans: Int
    public var scanFailures: Int
    /// The exporter's own resource use, for `process_*`; nil if it could not be read.
    public var ownProcess: OwnProcessStats?
    /// Series that each `renderNext(_:capacity:)` wrote and the one before did not
    /// (`proc_sentry_series_created_total`): what a scraper sees begin, every new process's
    /// series, a new port, a new container. Prometheus creates a head series for each that it
    /// has not held in the last two hours, so this counts that, or more (a series that returns
    /// after a gap counts again).
    public private(set) var seriesCreated = 0
    /// The series (`ExpositionWriter.seriesHashes`) of the last `renderNext(_:capacity:)`.
    private var lastSeries: Set<Int> = []

    public init(version: String, scans: Int, scanFailures: Int, ownProcess: OwnProcessStats?) {
        self.version = version
        self.scans = scans
        self.scanFailures = scanFailures
        self.ownProcess = ownProcess
    }

    /// Renders `snapshot` (nil before the first scan completes: then only the exporter's own
    /// families are written), counting its series against the last `renderNext`'s.
    ///
    /// - Parameter capacity: bytes to reserve, e.g. the previous exposition's size.
    public func render(_ snapshot: Snapshot?, capacity: Int = 0) -> [UInt8] {
        rendered(snapshot, capacity: capacity).bytes
    }

    /// Renders the next exposition of the exporter's sequence, as `render`, and adds its series
    /// that the last one did not have to `seriesCreated`.
    public mutating func renderNext(_ snapshot: Snapshot?, capacity: Int = 0) -> [UInt8] {
        let writer = rendered(snapshot, capacity: capacity)
        let series = writer.seriesHashes ?? []
        seriesCreated += series.count { !lastSeries.contains($0) }
        lastSeries = Set(series)
        return writer.bytes
    }

    private func rendered(_ snapshot: Snapshot?, capacity: Int) -> ExpositionWriter {
        var writer = ExpositionWriter(capacity: capacity, tracksSeries: true)
        write(snapshot, to: &writer)
        return writer
    }

    /// The number of samples `render(_:)` writes for `snapshot`: the series one scrape carries.
    public func seriesCount(_ snapshot: Snapshot?) -> Int {
        var writer = ExpositionWriter()
        write(snapshot, to: &writer)
        return writer.sampleCount
    }

    private func write(_ snapshot: Snapshot?, to writer: inout ExpositionWriter) {
        if let snapshot {
            writeProcesses(snapshot, to: &writer)
            writeOthers(snapshot, to: &writer)
            writeContainers(snapshot.containers, to: &writer)
            writeScan(snapshot, to: &writer)
        }
        writeExporter(to: &writer)
    }

    // MARK: - Top N processes

    private func writeProcesses(_ snapshot: Snapshot, to writer: inout ExpositionWriter) {
        let processes = snapshot.selected.map { snapshot.processes[$0] }
        let labels = processes.map { process in
            LabelSet([
                "pid": String(process.pid), "name": process.seriesName, "user": process.user,
                "container_id": process.container?.id ?? "",
            ])
        }
        write(ProcessFigureFamily.all, of: processes, labels: labels, to: &writer)

        writer.family(
            "proc_process_top_rank", .gauge,
            help: "Position of the process in a Top N list (1 = largest), one series per list it is in.")
        for (process, labels) in zip(processes, labels) {
            for list in TopList.allCases {
                if let rank = process.ranks[list] {
                    writer.sample("proc_process_top_rank", labels.appending("list", list.rawValue), rank)
                }
            }
        }

        writer.family(
            "proc_process_top_listening_port_info", .gauge,
            help: "A port the process listens on (TCP in LISTEN state, or a bound UDP socket); always 1.")
        for (process, labels) in zip(processes, labels) {
            for port in process.listeningPorts {
                let portLabels = labels.appending("protocol", port.kind.rawValue).appending("port", String(port.port))
                writer.sample("proc_process_top_listening_port_info", portLabels, 1)
            }
        }

        // Only with --collector.cmdline: without it the family is absent, not empty.
        guard processes.contains(where: { $0.commandLine != nil }) else { return }
        writer.family(
            "proc_process_top_cmdline_info", .gauge,
            help: "The process's command line (arguments joined by spaces, at most 512 bytes); always 1.")
        for (process, labels) in zip(processes, labels) {
            if let commandLine = process.commandLine {
                writer.sample("proc_process_top_cmdline_info", labels.appending("cmdline", commandLine), 1)
            }
        }
    }

    /// Each of `families`, with a sample for each of `items` that has the figure, labelled by
    /// the same index of `labels`.
    private func write<Item, Exported>(
        _ families: [FigureFamily<Item, Exported>], of items: [Item], labels: [LabelSet],
        to writer: inout ExpositionWriter
    ) {
        for family in families {
            writer.family(family.name, family.type, help: family.help)
            for (item, labels) in zip(items, labels) {
                if let value = family.value(item) { writer.sample(family.name, labels, value) }
            }
        }
    }

    private func writeOthers(_ snapshot: Snapshot, to writer: inout ExpositionWriter) {
        let others = snapshot.others
        func one(_ name: StaticString, _ help: String, _ value: Double, type: ExpositionWriter.MetricType = .gauge) {
            writer.family(name, type, help: help)
            writer.sample(name, value)
        }
        one(
            "proc_process_others_cpu_percent",
            "CPU use of all processes in no Top N list, in percent of one core.", others.cpuPercent)
        one(
            "proc_process_others_children_cpu_percent",
            "CPU use of the reaped children of all processes in no Top N list, less what was seen of them alive, in percent of one core.",
            others.childrenCPUPercent)
        one(
            "proc_process_others_children_cpu_seconds_total",
            "CPU time of the reaped children of the processes in no Top N list at each scan, less what was seen of them alive, in seconds since the exporter started.",
            snapshot.othersChildrenCPUSeconds, type: .counter)
        one(
            "proc_process_others_memory_bytes",
            "Resident memory of all processes in no Top N list, in bytes.", Double(others.residentBytes))
        one(
            "proc_process_others_io_read_bytes_per_second",
            "Storage bytes read per second by all processes in no Top N list.", others.readBytesPerSecond)
        one(
            "proc_process_others_io_write_bytes_per_second",
            "Storage bytes written per second by all processes in no Top N list.", others.writeBytesPerSecond)
        one("proc_process_others_processes", "Number of processes in no Top N list.", Double(others.processCount))

        // Absent for the first scan, as every rate is.
        guard let unattributed = snapshot.unattributedCPUPercent else { return }
        one(
            "proc_process_unattributed_cpu_percent",
            "The node's busy CPU (/proc/stat) over the last scan interval that no process accounts for, own or children's, in percent of one core; top plus others plus this is the node's busy CPU.",
            unattributed)
    }

    // MARK: - Containers

    private func writeContainers(_ containers: [ContainerUsage], to writer: inout ExpositionWriter) {
        let exported = containers.filter(\.ranks.isSelected).sorted { $0.container.id < $1.container.id }
        let labels = exported.map {
            LabelSet(["container_id": $0.container.id, "pod_uid": $0.container.podUID ?? ""])
        }
        write(ContainerFigureFamily.all, of: exported, labels: labels, to: &writer)
    }

    // MARK: - Health

    private func writeScan(_ snapshot: Snapshot, to writer: inout ExpositionWriter) {
        writer.family("proc_sentry_scan_duration_seconds", .gauge, help: "Duration of the last scan of /proc.")
        writer.sample("proc_sentry_scan_duration_seconds", snapshot.scanDuration)
        writer.family(
            "proc_sentry_last_scan_timestamp_seconds", .gauge,
            help: "When the last scan started, in seconds since the Unix epoch; metrics are as of then.")
        writer.sample("proc_sentry_last_scan_timestamp_seconds", snapshot.time)
        writer.family("proc_sentry_top_n", .gauge, help: "Size of each Top N list (--top-n).")
        writer.sample("proc_sentry_top_n", snapshot.topN)
        writer.family("proc_sentry_processes_scanned", .gauge, help: "Processes read by the last scan.")
        writer.sample("proc_sentry_processes_scanned", snapshot.total.processCount)
        writer.family(
            "proc_sentry_processes_selected", .gauge,
            help: "Processes exported by the last scan: in at least one Top N list, or held.")
        writer.sample("proc_sentry_processes_selected", snapshot.selected.count)
        writer.family(
            "proc_sentry_processes_held", .gauge,
            help: "Exported processes in no Top N list, held for --top.hold scans after they left them all.")
        writer.sample("proc_sentry_processes_held", snapshot.heldCount)
        writer.family(
            "proc_sentry_processes_entered_total", .counter,
            help: "Processes that entered the exported set since the exporter started.")
        writer.sample("proc_sentry_processes_entered_total", snapshot.processesEntered)
        writer.family(
            "proc_sentry_processes_left_total", .counter,
            help: "Processes that left the exported set (out of every list after their hold, or exited) since the exporter started.")
        writer.sample("proc_sentry_processes_left_total", snapshot.processesLeft)
        writer.family(
            "proc_sentry_scan_unreadable_files", .gauge,
            help: "Files under the proc root the last scan could not read, by reason.")
        let unreadable = snapshot.unreadable
        for (reason, count) in [
            ("vanished", unreadable.vanished), ("permission_denied", unreadable.permissionDenied),
            ("malformed", unreadable.malformed), ("failed", unreadable.failed),
            ("no_io_accounting", unreadable.noIOAccounting),
        ] {
            writer.sample("proc_sentry_scan_unreadable_files", LabelSet(["reason": reason]), count)
        }
        writer.family(
            "proc_sentry_containers_unaccounted", .gauge,
            help: "Containers whose cgroup CPU accounting the last scan could not read, by reason (absent: no accounting under --path.sysfs names the container).")
        let accounting = snapshot.containerAccountingUnreadable
        for (reason, count) in [
            ("absent", accounting.vanished), ("permission_denied", accounting.permissionDenied),
            ("malformed", accounting.malformed), ("failed", accounting.failed),
        ] {
            writer.sample("proc_sentry_containers_unaccounted", LabelSet(["reason": reason]), count)
        }
    }

    private func writeExporter(to writer: inout ExpositionWriter) {
        writer.family("proc_sentry_scans_total", .counter, help: "Scans of /proc attempted since start.")
        writer.sample("proc_sentry_scans_total", scans)
        writer.family(
            "proc_sentry_scan_failures_total", .counter,
            help: "Scans that failed because the proc root could not be read.")
        writer.sample("proc_sentry_scan_failures_total", scanFailures)
        writer.family("proc_sentry_build_info", .gauge, help: "Version of proc-sentry; always 1.")
        writer.sample("proc_sentry_build_info", LabelSet(["version": version]), 1)
        if let own = ownProcess {
            writer.family("process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.")
            writer.sample("process_cpu_seconds_total", own.cpuSeconds)
            writer.family("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
            writer.sample("process_resident_memory_bytes", own.residentBytes)
            writer.family("process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.")
            writer.sample("process_virtual_memory_bytes", own.virtualBytes)
            writer.family("process_open_fds", .gauge, help: "Number of open file descriptors.")
            writer.sample("process_open_fds", own.openFileDescriptors)
            writer.family("process_max_fds", .gauge, help: "Maximum number of open file descriptors.")
            writer.sample("process_max_fds", own.maximumFileDescriptors)
            writer.family(
                "process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.")
            writer.sample("process_start_time_seconds", own.startTime)
        }
        // Written last but one: every series before it is counted; it and the one after are
        // the same in every rendering, new only in the first.
        let trailingNew = lastSeries.isEmpty ? 2 : 0
        let newSoFar = writer.seriesHashes.map { $0.count { !lastSeries.contains($0) } } ?? 0
        writer.family(
            "proc_sentry_series_created_total", .counter,
            help: "Series in an exposition that the one before did not have, since the exporter started: its series churn.")
        writer.sample("proc_sentry_series_created_total", seriesCreated + newSoFar + trailingNew)
        writer.family(
            "proc_sentry_series_exported", .gauge, help: "Samples in this exposition, this one included.")
        writer.sample("proc_sentry_series_exported", writer.sampleCount + 1)
    }
}
