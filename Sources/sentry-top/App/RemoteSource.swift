import SentryCore

/// Reads a running sentry-exporter's metrics: the rows are exactly the series Prometheus
/// receives, and what the exporter does not export (CPU bars, state, command line) is n/a.
final class RemoteSource: TopDataSource {
    private let endpoint: MetricsEndpoint
    let isLocal = false

    /// Seconds one fetch may take before the status line says it timed out.
    static let timeout = 3.0

    init(endpoint: MetricsEndpoint) {
        self.endpoint = endpoint
    }

    /// The exporter sends only its latest scan's exported set: the request changes nothing.
    func refresh(_ request: FrameRequest) -> Result<TopData, SourceError> {
        endpoint.fetch(timeout: Self.timeout).flatMap { body in
            do {
                return .success(TopData(exported: try ExportedSnapshot(exposition: body), source: endpoint.url))
            } catch {
                return .failure(SourceError(message: "\(endpoint.url): \(error)"))
            }
        }
    }

    func details(pid: Int32) -> ProcessDetails? { nil }
}

extension TopData {
    /// The rows of one scrape.
    init(exported: ExportedSnapshot, source: String) {
        let pods = Dictionary(exported.containers.map { ($0.id, $0.podUID) }, uniquingKeysWith: { first, _ in first })
        processes = exported.processes.map { process in
            ProcessRow(
                pid: process.pid, startTime: process.startTime, name: process.name, user: process.user, uid: nil,
                state: nil, cpuPercent: process.cpuPercent, childrenCPUPercent: process.childrenCPUPercent,
                childrenCPUSeconds: process.childrenCPUSeconds, residentBytes: process.residentBytes,
                readBytesPerSecond: process.readBytesPerSecond, writeBytesPerSecond: process.writeBytesPerSecond,
                threads: process.threads, containerID: process.containerID, podUID: pods[process.containerID] ?? nil,
                ranks: process.ranks, isHeld: process.isHeld, listeningPorts: process.listeningPorts)
        }
        containers = exported.containers.map { container in
            ContainerRow(
                id: container.id, podUID: container.podUID, runtime: nil, processCount: container.usage.processCount,
                cpuPercent: container.usage.totalCPUPercent, cgroupCPUPercent: container.cgroupCPUPercent,
                residentBytes: container.usage.residentBytes,
                readBytesPerSecond: container.usage.readBytesPerSecond,
                writeBytesPerSecond: container.usage.writeBytesPerSecond)
        }
        header = HeaderFigures(
            unattributedCPUPercent: exported.unattributedCPUPercent, processCount: exported.processesScanned,
            topN: exported.topN, selectedCount: exported.processesSelected, heldCount: exported.processesHeld,
            seriesCount: exported.seriesExported, source: source, scanTime: exported.lastScanTime)
    }
}
