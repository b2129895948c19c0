import Foundation
import Testing

/// A Prometheus configuration scraping one target every second.
public func prometheusConfiguration(job: String, target: String) -> String {
    """
    global:
      scrape_interval: 1s
      scrape_timeout: 1s
      evaluation_interval: 1s
    scrape_configs:
      - job_name: \(job)
        static_configs:
          - targets: ['\(target)']

    """
}

/// Starts Prometheus on a free loopback port, retrying if another process took the port.
///
/// - Parameters:
///   - dataDirectory: its TSDB (one with backfilled blocks, say); by default a new one in `directory`.
///   - arguments: more flags, such as `--web.config.file`.
public func startPrometheus(
    config: String, directory: TemporaryDirectory, dataDirectory: String? = nil, arguments: [String] = []
) async throws -> (ChildProcess, Int) {
    var lastError = ""
    for attempt in 1...3 {
        let port = try freeLoopbackPort()
        let prometheus = try ChildProcess(
            Tools.prometheus,
            [
                "--config.file=\(config)",
                "--storage.tsdb.path=\(dataDirectory ?? directory.path("data-\(attempt)"))",
                "--storage.tsdb.retention.time=30d",
                "--web.listen-address=127.0.0.1:\(port)",
                "--log.level=warn",
            ] + arguments,
            label: "prometheus")
        do {
            _ = try await poll(timeout: .seconds(30), interval: .milliseconds(200), "Prometheus to be ready") { () -> Bool? in
                if prometheus.hasExited { throw HarnessError("prometheus exited: \(prometheus.stderrText.suffix(2000))") }
                let ready = try? await curl("http://127.0.0.1:\(port)/-/ready")
                // 401 from one that requires credentials and 400 (plain HTTP) from one that
                // serves TLS (--web.config.file): up, too; 503 until ready.
                return ready.map { [200, 400, 401].contains($0.status) } == true ? true : nil
            }
            return (prometheus, port)
        } catch {
            lastError = "\(error)"
            prometheus.kill()
        }
    }
    throw HarnessError("Prometheus did not start: \(lastError)")
}

/// Runs an instant query; the `data.result` array.
public func queryPrometheus(_ api: String, _ query: String) async throws -> [[String: Any]] {
    let response = try await curl(api, ["-G", "--data-urlencode", "query=\(query)"])
    guard response.status == 200,
        let json = try JSONSerialization.jsonObject(with: response.body) as? [String: Any],
        json["status"] as? String == "success",
        let data = json["data"] as? [String: Any],
        let result = data["result"] as? [[String: Any]]
    else { throw HarnessError("query \(query) failed: \(response.statusLine) \(response.bodyText)") }
    return result
}
