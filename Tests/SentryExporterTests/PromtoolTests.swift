import Foundation
import Testing

/// Every family the exporter documents, with its type.
let documentedFamilies: [String: String] = [
    "proc_process_top_cpu_percent": "gauge",
    "proc_process_top_cpu_seconds_total": "counter",
    "proc_process_top_children_cpu_percent": "gauge",
    "proc_process_top_children_cpu_seconds_total": "counter",
    "proc_process_top_memory_bytes": "gauge",
    "proc_process_top_io_read_bytes_per_second": "gauge",
    "proc_process_top_io_write_bytes_per_second": "gauge",
    "proc_process_top_io_read_bytes_total": "counter",
    "proc_process_top_io_write_bytes_total": "counter",
    "proc_process_top_threads": "gauge",
    "proc_process_top_start_time_seconds": "gauge",
    "proc_process_top_rank": "gauge",
    "proc_process_top_listening_port_info": "gauge",
    "proc_process_others_cpu_percent": "gauge",
    "proc_process_others_children_cpu_percent": "gauge",
    "proc_process_others_children_cpu_seconds_total": "counter",
    "proc_process_unattributed_cpu_percent": "gauge",
    "proc_process_others_memory_bytes": "gauge",
    "proc_process_others_io_read_bytes_per_second": "gauge",
    "proc_process_others_io_write_bytes_per_second": "gauge",
    "proc_process_others_processes": "gauge",
    "proc_container_cpu_percent": "gauge",
    "proc_container_cgroup_cpu_percent": "gauge",
    "proc_container_cgroup_cpu_seconds_total": "counter",
    "proc_container_memory_bytes": "gauge",
    "proc_container_io_read_bytes_per_second": "gauge",
    "proc_container_io_write_bytes_per_second": "gauge",
    "proc_container_processes": "gauge",
    "proc_sentry_scan_duration_seconds": "gauge",
    "proc_sentry_last_scan_timestamp_seconds": "gauge",
    "proc_sentry_top_n": "gauge",
    "proc_sentry_processes_scanned": "gauge",
    "proc_sentry_processes_selected": "gauge",
    "proc_sentry_processes_held": "gauge",
    "proc_sentry_processes_entered_total": "counter",
    "proc_sentry_processes_left_total": "counter",
    "proc_sentry_scan_unreadable_files": "gauge",
    "proc_sentry_containers_unaccounted": "gauge",
    "proc_sentry_scans_total": "counter",
    "proc_sentry_scan_failures_total": "counter",
    "proc_sentry_build_info": "gauge",
    "process_cpu_seconds_total": "counter",
    "process_resident_memory_bytes": "gauge",
    "process_virtual_memory_bytes": "gauge",
    "process_open_fds": "gauge",
    "process_max_fds": "gauge",
    "process_start_time_seconds": "gauge",
    "proc_sentry_series_created_total": "counter",
    "proc_sentry_series_exported": "gauge",
]

@Suite("promtool check metrics", .timeLimit(.minutes(2)))
struct PromtoolTests {
    @Test("A real scrape with rates passes promtool and has exactly the documented families")
    func realScrapePassesPromtool() async throws {
        try Tools.requirePrometheus()
        let holder = try await Workload.memoryHolder(mebibytes: 32)
        defer { holder.kill() }
        let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
        defer { exporter.stop() }
        let scrape = try await exporter.scrape(afterScans: 2)

        try await promtoolCheckMetrics(scrape.body, context: "real scrape")

        // Every documented family is declared once with its type, and nothing else is.
        #expect(scrape.types == documentedFamilies)
        let typeLines = scrape.text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(typeLines.count == documentedFamilies.count, "a family declared twice")
        for sample in scrape.samples {
            #expect(documentedFamilies[sample.name] != nil, "undocumented sample: \(sample)")
        }
        // The rate families have samples once a second scan ran; the holder is among them.
        #expect(scrape.sample("proc_process_top_memory_bytes", pid: holder.pid) != nil)
        #expect(!scrape.samples("proc_process_top_cpu_percent").isEmpty)
        #expect(scrape.value("proc_sentry_build_info", ["version": "0.1.0"]) == 1)
        #expect(scrape.value("proc_sentry_top_n") == 50)
        #expect(scrape.value("proc_sentry_scan_failures_total") == 0)
        let reasons = Set(scrape.samples("proc_sentry_scan_unreadable_files").compactMap { $0.labels["reason"] })
        #expect(reasons == ["vanished", "permission_denied", "malformed", "failed", "no_io_accounting"])
        // proc_sentry_series_exported counts every sample, itself included.
        #expect(scrape.value("proc_sentry_series_exported") == Double(scrape.samples.count))
        // Selected processes are exactly those with a memory sample (every process has an RSS).
        let memoryPIDs = scrape.samples("proc_process_top_memory_bytes").compactMap(\.pid)
        #expect(Set(memoryPIDs).count == memoryPIDs.count, "a PID twice in one family")
        #expect(scrape.value("proc_sentry_processes_selected") == Double(memoryPIDs.count))
        // The exporter's own process metrics describe the exporter.
        let ownStart = try #require(scrape.value("process_start_time_seconds"))
        #expect(abs(ownStart - Date().timeIntervalSince1970) < 120, "process_start_time_seconds \(ownStart)")
        #expect((scrape.value("process_resident_memory_bytes") ?? 0) > 1_000_000)
    }
}
