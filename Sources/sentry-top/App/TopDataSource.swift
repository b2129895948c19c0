import SentryCore

/// Where sentry-top's rows come from: a local scan, a running exporter's metrics, or what
/// exporters sent to Prometheus.
protocol TopDataSource: AnyObject {
    /// Whether the source scans this machine: only then can signals be sent, and are there
    /// rows outside the exported set.
    var isLocal: Bool { get }
    /// Fetches the rows `request` asks for; on failure, a one-line message for the status bar.
    func refresh(_ request: FrameRequest) -> Result<TopData, SourceError>
    /// What the details window shows beyond a row, if the source can tell.
    func details(pid: Int32) -> ProcessDetails?
}

/// What a refresh is to fetch, as the view decides it.
struct FrameRequest: Equatable, Sendable {
    /// False for the exported set only, which is all the default view shows: a local source
    /// then holds about 150 rows instead of one per process (at 3,000 processes, 0.7 MiB less
    /// than every row), and builds them for the other views (all processes, a container's
    /// processes) only while one is open.
    var everyProcess = false
    /// From Prometheus: the node (`instance`) to show, or nil for the fleet.
    var node: String?
    /// From Prometheus: the instant to show, in seconds since the epoch, or nil for now.
    var instant: Double?
}

/// Why a refresh failed, in words for the status bar.
struct SourceError: Error, Equatable {
    var message: String
}

/// Scans this machine with the same collector, selection and exposition as sentry-exporter.
final class LocalSource: TopDataSource {
    private let collector: Collector
    private let procFS: ProcFS
    private let exposition = Exposition(version: ProcSentry.version, scans: 0, scanFailures: 0, ownProcess: nil)

    let isLocal = true
    private var hasScanned = false

    init(configuration: CollectorConfiguration) throws(ReadFailure) {
        collector = try Collector(configuration: configuration)
        procFS = try ProcFS(root: configuration.procRoot)
    }

    /// The first refresh reads the containers of the exported processes only, unless every
    /// process is shown: it has no rates yet and is on screen only until the priming refresh
    /// half a second later (`TopApp.primingDelay`), which reads the rest. Reading every
    /// process's `cgroup` is about 30% of a first scan, so the first frame comes that much sooner.
    func refresh(_ request: FrameRequest) -> Result<TopData, SourceError> {
        let everyProcess = request.everyProcess
        do {
            let snapshot = try collector.scan(containers: hasScanned || everyProcess ? .everyProcess : .selectedProcesses)
            hasScanned = true
            return .success(
                TopData(
                    snapshot: snapshot, everyProcess: everyProcess, host: HostSummary.read(from: procFS),
                    seriesCount: snapshot.containersPending ? nil : exposition.seriesCount(snapshot)))
        } catch {
            return .failure(SourceError(message: "Cannot scan \(collector.configuration.procRoot): \(error)"))
        }
    }

    func details(pid: Int32) -> ProcessDetails? {
        ProcessDetails.read(pid: pid, from: procFS)
    }
}
