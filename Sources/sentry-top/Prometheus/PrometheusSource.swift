import Glibc
import SentryCore

/// Reads what sentry-exporters sent to Prometheus (or to a store with its query API): one node's
/// frame as of any instant in the retention window, and the fleet of nodes.
///
/// A node's frame is its exporter's series at the latest scrape before the instant, read back
/// with the same `ExportedSnapshot` that attach mode reads a scrape with, so the rows, ranks and
/// `CMI` markers are the ones Prometheus received. Each refresh of a node is two queries sent
/// together (the nodes, and the node's series), and one more when the node is opened (the step
/// between its stored scans); of the fleet, three (the nodes and the fleet's top processes
/// together, then those processes' series).
final class PrometheusSource: TopDataSource {
    let isLocal = false
    private let api: PrometheusAPI
    private let queries: ProcSentryQueries
    /// How many processes per list the fleet view shows.
    private let fleetCount: Int
    /// The node whose scan interval `scanInterval` is, and that interval.
    private var scanIntervalNode: String?
    private var scanInterval: Double?

    init(api: PrometheusAPI, matchers: LabelMatchers, fleetCount: Int) {
        self.api = api
        queries = ProcSentryQueries(matchers: matchers)
        self.fleetCount = fleetCount
    }

    func refresh(_ request: FrameRequest) -> Result<TopData, SourceError> {
        let instant = request.instant
        let now = SystemClock.seconds(CLOCK_REALTIME)
        let answers = api.query(
            [queries.nodes(), request.node.map(queries.node) ?? queries.fleetTop(count: fleetCount)], at: instant)
        let nodes: [NodeRow]
        let second: QueryResult
        var warnings: [String]
        switch (answers[0], answers[1]) {
        case (.failure(let error), _), (_, .failure(let error)): return .failure(error)
        case (.success(let first), .success(let result)):
            nodes = NodeRow.all(in: first.series)
            second = result
            warnings = first.warnings + result.warnings
        }
        var data: TopData
        if let node = request.node {
            data = TopData(nodeSeries: second.series, node: node, source: api.baseURL)
            data.header.scanInterval = scanInterval(of: node, at: instant)
        } else {
            var series: [QueryResult.Series] = []
            if let expression = queries.fleetSeries(FleetMembers(second.series)) {
                switch api.query(expression, at: instant) {
                case .success(let result):
                    series = result.series
                    warnings += result.warnings
                case .failure(let error): return .failure(error)
                }
            }
            data = TopData(fleetSeries: series, source: api.baseURL)
            if nodes.isEmpty {
                data.unavailableReason = "No proc-sentry exporter behind \(api.baseURL) at this instant"
                    + " (no proc_sentry_build_info in the hour before it\(queries.matchers.text.isEmpty ? "" : " matching the selector"))."
            }
        }
        data.warnings = Array(Set(warnings)).sorted()
        data.nodes = nodes
        data.header.instant = instant ?? now
        data.header.fetchTime = now
        return .success(data)
    }

    func details(pid: Int32) -> ProcessDetails? { nil }

    /// The node's scan interval as stored: the median gap between the distinct scan times of
    /// its last quarter hour; nil if it has fewer than two scans there.
    private func scanInterval(of node: String, at instant: Double?) -> Double? {
        if node == scanIntervalNode, let scanInterval { return scanInterval }
        guard case .success(let result) = api.query(queries.scanTimes(node, window: "15m"), at: instant) else { return nil }
        let times = Set(result.series.flatMap { $0.values ?? [] }.map(\.value)).sorted()
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }.filter { $0 > 0 }.sorted()
        guard !gaps.isEmpty else { return nil }
        scanIntervalNode = node
        scanInterval = gaps[gaps.count / 2]
        return scanInterval
    }
}

extension TopData {
    /// The frame of one node from its stored series (`ProcSentryQueries.node`), or, without its
    /// exporter's series at that instant, an empty frame that says why.
    init(nodeSeries series: [QueryResult.Series], node: String, source: String) {
        let families = MetricFamily.families(of: series)
        let up = families.first { $0.name == "up" }?.samples.first?.value
        do {
            self.init(exported: try ExportedSnapshot(families: families), source: "\(node) via \(source)")
        } catch {
            self.init()
            header.source = "\(node) via \(source)"
            unavailableReason = switch up {
            case 0?: "No data for \(node) at this instant: Prometheus could not scrape its exporter (up = 0)."
            case nil: "No data for \(node) at this instant: not scraped then (before its first scrape, after it was removed, or past retention)."
            default: "No data for \(node) at this instant: its target answers, but not as a proc-sentry exporter."
            }
        }
    }

    /// The fleet's top processes and containers (`ProcSentryQueries.fleet`), each row with its node.
    init(fleetSeries series: [QueryResult.Series], source: String) {
        self.init()
        for (instance, series) in Dictionary(grouping: series, by: { $0.metric["instance"] ?? "" }) {
            let node = TopData(exported: ExportedSnapshot(storedFamilies: MetricFamily.families(of: series)), source: source)
            processes += node.processes.map { row in
                var row = row
                row.instance = instance
                return row
            }
            containers += node.containers
        }
        header.source = "the fleet via \(source)"
    }
}

extension MetricFamily {
    /// Stored series as the families of a scrape: one per `__name__`, each sample with the
    /// series' other labels (`instance` and `job` among them, which the readers ignore).
    fileprivate static func families(of series: [QueryResult.Series]) -> [MetricFamily] {
        Dictionary(grouping: series, by: { $0.metric["__name__"] ?? "" }).map { name, series in
            MetricFamily(
                name: name,
                samples: series.compactMap { series in
                    series.value.map { sample in
                        MetricFamily.Sample(
                            name: name,
                            labels: series.metric.filter { $0.key != "__name__" }.sorted { $0.key < $1.key }
                                .map { MetricFamily.Label($0.key, $0.value) },
                            value: sample.value)
                    }
                })
        }
    }
}

extension NodeRow {
    /// The nodes of a `ProcSentryQueries.nodes()` result, by instance.
    static func all(in series: [QueryResult.Series]) -> [NodeRow] {
        var nodes: [String: NodeRow] = [:]
        for series in series {
            guard let instance = series.metric["instance"], let value = series.value?.value, value.isFinite else { continue }
            var node = nodes[instance, default: NodeRow(instance: instance)]
            switch series.metric["figure"] {
            case "cpu": node.cpuPercent = value
            case "memory": node.residentBytes = value
            case "io": node.ioBytesPerSecond = value
            case "processes": node.processCount = value >= 0 ? Int(exactly: value) : nil
            case "up": node.isUp = value == 1
            default: continue
            }
            nodes[instance] = node
        }
        return nodes.values.sorted { $0.instance < $1.instance }
    }
}
