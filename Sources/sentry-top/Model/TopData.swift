import SentryCore

/// Everything one refresh gives the screen: the rows and the header's figures.
struct TopData: Sendable {
    /// The processes the view may show: the exported ones, or every process scanned when asked
    /// for (`FrameRequest.everyProcess`, local scans only).
    var processes: [ProcessRow] = []
    var containers: [ContainerRow] = []
    /// Whether some processes' containers are not read yet (`Snapshot.containersPending`):
    /// `containers` is then empty until the next refresh.
    var containersPending = false
    var header = HeaderFigures()
    /// From Prometheus: every node the selector matches.
    var nodes: [NodeRow] = []
    /// Why the frame has no rows although the source answered (no data at that instant), in
    /// words for where the table would be; nil for a frame with data.
    var unavailableReason: String?
    /// What the server said of its answer besides the data, such as a result cut by its limits.
    var warnings: [String] = []

    /// An empty dataset, before the first refresh.
    static let empty = TopData()
}

/// The figures of the header; nil where the source does not have them.
struct HeaderFigures: Equatable, Sendable {
    /// Busy share of all CPUs and of each CPU, 0 to 1.
    var cpuBusy: Double?
    var perCPUBusy: [Double] = []
    /// The node's busy CPU that no process accounts for (`Snapshot.unattributedCPUPercent`).
    var unattributedCPUPercent: Double?
    var memory: MemoryInfo?
    var load: LoadAverage?
    var uptime: Double?
    var processCount: Int?
    var threadCount: Int?
    var runningCount: Int?
    /// The exporter's view: N, processes selected, series per scrape.
    var topN: Int?
    var selectedCount: Int?
    /// Of those, held in no list (`Snapshot.heldCount`).
    var heldCount: Int?
    var seriesCount: Int?
    /// Where the data comes from: "local", the attach URL, or the node and Prometheus URL.
    var source = "local"
    /// When the exporter's scan shown started, in seconds since the epoch (remote sources).
    var scanTime: Double?
    /// From Prometheus: the instant the frame shows, and when it was fetched (seconds since
    /// the epoch); live frames show the instant they were fetched at.
    var instant: Double?
    var fetchTime: Double?
    /// From Prometheus: seconds between the node's stored scans.
    var scanInterval: Double?
}

extension TopData {
    /// The rows of a local scan (every process's, or the exported ones'), with the host's figures
    /// and the series count the exporter would send (nil while containers are pending, whose
    /// series it includes).
    init(snapshot: Snapshot, everyProcess: Bool, host: HostSummary, seriesCount: Int?) {
        processes = everyProcess
            ? snapshot.processes.map(ProcessRow.init) : snapshot.selected.map { ProcessRow(snapshot.processes[$0]) }
        containers = snapshot.containers.map(ContainerRow.init)
        containersPending = snapshot.containersPending
        header = HeaderFigures(
            cpuBusy: snapshot.system.busyFraction,
            perCPUBusy: snapshot.system.perCPUBusyFraction,
            unattributedCPUPercent: snapshot.unattributedCPUPercent,
            memory: host.memory,
            load: host.load,
            uptime: host.uptime,
            processCount: snapshot.processes.count,
            threadCount: snapshot.total.threads,
            runningCount: snapshot.processes.count { $0.state == .running },
            topN: snapshot.topN,
            selectedCount: snapshot.selected.count,
            heldCount: snapshot.heldCount,
            seriesCount: seriesCount
        )
    }
}
