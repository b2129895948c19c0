import SentryCore

/// Where sentry-top's rows come from: a local scan, or a running exporter's metrics.
protocol TopDataSource: AnyObject {
    /// Whether signals can be sent to the processes shown (only local ones).
    var canSendSignals: Bool { get }
    /// Fetches the current rows; on failure, a one-line message for the status bar.
    func refresh() -> Result<TopData, SourceError>
    /// What the details window shows beyond a row, if the source can tell.
    func details(pid: Int32) -> ProcessDetails?
}

/// Why a refresh failed, in words for the status bar.
struct SourceError: Error, Equatable {
    var message: String
}

/// Scans this machine with the same collector, selection and exposition as sentry-exporter.
final class LocalSource: TopDataSource {
    private let collector: Collector
    private let procFS: ProcFS
    private let exposition = Exposition(version: SentryTop.version, scans: 0, scanFailures: 0, ownProcess: nil)

    let canSendSignals = true

    init(configuration: CollectorConfiguration) throws(ReadFailure) {
        collector = try Collector(configuration: configuration)
        procFS = try ProcFS(root: configuration.procRoot)
    }

    func refresh() -> Result<TopData, SourceError> {
        do {
            let snapshot = try collector.scan()
            return .success(
                TopData(
                    snapshot: snapshot, host: HostSummary.read(from: procFS),
                    seriesCount: exposition.seriesCount(snapshot)))
        } catch {
            return .failure(SourceError(message: "Cannot scan \(collector.configuration.procRoot): \(error)"))
        }
    }

    func details(pid: Int32) -> ProcessDetails? {
        ProcessDetails.read(pid: pid, from: procFS)
    }
}
