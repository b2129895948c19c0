import Foundation
import Testing

/// A real Prometheus server scraping the exporter.
@Suite("Prometheus scrapes the exporter", .timeLimit(.minutes(2)))
struct PrometheusServerTests {
    static let job = "proc-sentry-e2e"

    @Test("Prometheus ingests the memory holder's series with the right labels, and up is 1")
    func prometheusIngestsTheExposition() async throws {
        try Tools.requirePrometheus()
        let holder = try await Workload.memoryHolder(mebibytes: 64)
        defer { holder.kill() }
        let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
        defer { exporter.stop() }
        let directory = try TemporaryDirectory("prometheus")
        defer { directory.remove() }
        try directory.write(
            "prometheus.yml", prometheusConfiguration(job: Self.job, target: "127.0.0.1:\(exporter.port)"))

        let (prometheus, port) = try await startPrometheus(config: directory.path("prometheus.yml"), directory: directory)
        defer { prometheus.kill() }
        let api = "http://127.0.0.1:\(port)/api/v1/query"

        let query = "proc_process_top_memory_bytes{job=\"\(Self.job)\",pid=\"\(holder.pid)\"}"
        let results = try await poll(timeout: .seconds(40), interval: .milliseconds(500), "Prometheus to have \(query)") {
            () -> [[String: Any]]? in
            if prometheus.hasExited { throw HarnessError("prometheus exited: \(prometheus.stderrText.suffix(2000))") }
            let results = try await queryPrometheus(api, query)
            return results.isEmpty ? nil : results
        }
        #expect(results.count == 1, "one series for the holder: \(results)")
        let metric = try #require(results.first?["metric"] as? [String: String])
        let comm = String(decoding: try ProcInfo.comm(holder.pid), as: UTF8.self)
        #expect(metric["__name__"] == "proc_process_top_memory_bytes")
        #expect(metric["pid"] == String(holder.pid))
        #expect(metric["name"] == comm)
        let user = try ProcInfo.userName(holder.pid)
        #expect(metric["user"] == user)
        #expect(metric["instance"] == "127.0.0.1:\(exporter.port)")
        // An empty label is no label in Prometheus.
        #expect(metric["container_id"] == nil)
        let valueText = (results.first?["value"] as? [Any])?.last as? String
        let value = try #require(valueText.flatMap { Double($0) })
        #expect(value >= 64 * 1024 * 1024, "holder RSS in Prometheus: \(value)")

        let up = try await queryPrometheus(api, "up{job=\"\(Self.job)\"}")
        #expect(up.count == 1)
        #expect(((up.first?["value"] as? [Any])?.last as? String) == "1", "up: \(up)")
        // The exporter's own families arrived too.
        let buildInfo = try await queryPrometheus(api, "proc_sentry_build_info{job=\"\(Self.job)\"}")
        #expect((buildInfo.first?["metric"] as? [String: String])?["version"] == "0.1.0")
        // Prometheus dropped no sample: no duplicate series, nothing out of order.
        let selfMetrics = try await curl("http://127.0.0.1:\(port)/metrics").bodyText
        for counter in [
            "prometheus_target_scrapes_sample_duplicate_timestamp_total",
            "prometheus_target_scrapes_sample_out_of_order_total",
            "prometheus_target_scrapes_sample_out_of_bounds_total",
        ] {
            let line = selfMetrics.split(separator: "\n").first { $0.hasPrefix(counter + " ") }.map(String.init)
            #expect(line == "\(counter) 0", "Prometheus: \(line ?? "no \(counter)")")
        }
    }
}
