import Foundation
import Testing

/// One scan as the test saw it: its scrape, and the kernel's counters read as soon as the
/// scan's exposition was served.
struct ObservedScan {
    var metrics: ScrapedMetrics
    var node: (busy: Double, total: Double)
    var time: Double { metrics.value("proc_sentry_last_scan_timestamp_seconds") ?? 0 }

    /// Own plus children's CPU of the exported processes and of the others: what the
    /// exporter attributes to processes, in percent of one core.
    var attributed: Double {
        ["proc_process_top_cpu_percent", "proc_process_top_children_cpu_percent"]
            .flatMap { metrics.samples($0) }.reduce(0) { $0 + $1.value }
            + (metrics.value("proc_process_others_cpu_percent") ?? 0)
            + (metrics.value("proc_process_others_children_cpu_percent") ?? 0)
    }

    var unattributed: Double { metrics.value("proc_process_unattributed_cpu_percent") ?? .nan }

    func total(_ name: String, pid: Int32) -> Double? { metrics.sample(name, pid: pid)?.value }
}

/// The next `count` scans, each scraped (polling every 50 ms) as soon as it is served, with
/// `/proc/stat` read at that moment.
func consecutiveScans(_ exporter: ExporterProcess, count: Int, _ alsoRead: () throws -> Void = {}) async throws
    -> [ObservedScan]
{
    var scans: [ObservedScan] = []
    var last = try await exporter.scrape().value("proc_sentry_last_scan_timestamp_seconds") ?? 0
    while scans.count < count {
        let scan = try await poll(timeout: .seconds(10), interval: .milliseconds(50), "a new scan") { () -> ObservedScan? in
            let metrics = try await exporter.scrape()
            guard let time = metrics.value("proc_sentry_last_scan_timestamp_seconds"), time > last else { return nil }
            let node = try ProcInfo.nodeCPUTicks()
            try alsoRead()
            return ObservedScan(metrics: metrics, node: node)
        }
        last = scan.time
        scans.append(scan)
    }
    return scans
}
