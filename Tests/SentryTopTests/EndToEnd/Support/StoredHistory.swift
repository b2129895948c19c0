import Foundation
import Testing
import TestSupport

/// A made-up fleet history with known answers, written as OpenMetrics text and loaded into a
/// real Prometheus's TSDB with `promtool tsdb create-blocks-from openmetrics`.
///
/// Three nodes scanned every 15 s for two hours, ending an hour before now:
/// - `node-a:9105`: `burner` (PID 100, 50 + k mod 20 % CPU at scan k), `holder` (PID 101,
///   500 MiB), and `early` (PID 200) during the first hour only;
/// - `node-b:9105`: `builder` (PID 300, 150 % own and 40 % children's CPU, 2 GiB);
/// - `node-c:9105`: nothing but the others.
struct StoredHistory {
    static let nodes = ["node-a:9105", "node-b:9105", "node-c:9105"]
    static let interval = 15.0
    static let scans = 480
    static let job = "proc-sentry"

    /// The time of scan 0's scrape, on a quarter hour.
    let start: Double

    init(now: Double = Date().timeIntervalSince1970) {
        start = (now / 900).rounded(.down) * 900 - 3 * 3600
    }

    /// The scrape time of scan `k`; its scan started half a second before.
    func time(ofScan k: Int) -> Double { start + Double(k) * Self.interval }

    struct Process {
        var pid: Int
        var name: String
        var cpu: Double
        var children: Double
        var memory: Double
        var read: Double
        var write: Double
        /// 1-based ranks by list.
        var ranks: [String: Int]
    }

    /// What `node` exported at scan `k`.
    static func processes(_ node: String, scan k: Int) -> [Process] {
        switch node {
        case "node-a:9105":
            let early = k < scans / 2
            var processes = [
                Process(pid: 100, name: "burner", cpu: 50 + Double(k % 20), children: 0, memory: 100 * mebibyte, read: 0,
                        write: 1000, ranks: ["cpu": 1, "memory": 2, "io": 1]),
                Process(pid: 101, name: "holder", cpu: 1, children: 0, memory: 500 * mebibyte, read: 0, write: 0,
                        ranks: ["cpu": early ? 3 : 2, "memory": 1]),
            ]
            if early {
                processes.append(
                    Process(pid: 200, name: "early", cpu: 5, children: 0, memory: 10 * mebibyte, read: 0, write: 0,
                            ranks: ["cpu": 2, "memory": 3]))
            }
            return processes
        case "node-b:9105":
            return [
                Process(pid: 300, name: "builder", cpu: 150, children: 40, memory: 2048 * mebibyte, read: mebibyte, write: 0,
                        ranks: ["cpu": 1, "memory": 1, "io": 1])
            ]
        default:
            return []
        }
    }

    /// `others` CPU, memory and processes, and the unattributed CPU, of `node`.
    static func rest(_ node: String) -> (cpu: Double, memory: Double, processes: Int, unattributed: Double) {
        switch node {
        case "node-a:9105": (10, 1024 * mebibyte, 117, 2)
        case "node-b:9105": (5, 512 * mebibyte, 80, 3)
        default: (1, 100 * mebibyte, 40, 0)
        }
    }

    /// The node's busy CPU at scan `k`, as the Nodes tab sums it.
    static func nodeCPU(_ node: String, scan k: Int) -> Double {
        processes(node, scan: k).reduce(0) { $0 + $1.cpu + $1.children } + rest(node).cpu + rest(node).unattributed
    }

    static let mebibyte = 1_048_576.0

    /// The whole history as OpenMetrics text: each family's samples together, every series
    /// in time order, `# EOF` at the end.
    func openMetrics() -> String {
        var families: [String: [String]] = [:]
        var order: [String] = []
        func sample(_ family: String, _ labels: [String: String], _ value: Double, _ time: Double) {
            if families[family] == nil {
                order.append(family)
                families[family] = []
            }
            let text = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
            families[family]!.append("\(family){\(text)} \(value) \(time)")
        }
        for node in Self.nodes {
            let target = ["instance": node, "job": Self.job]
            let rest = Self.rest(node)
            for k in 0..<Self.scans {
                let t = time(ofScan: k)
                let processes = Self.processes(node, scan: k)
                sample("up", target, 1, t)
                sample("proc_sentry_build_info", target.merging(["version": "0.1.0"]) { $1 }, 1, t)
                sample("proc_sentry_last_scan_timestamp_seconds", target, t - 0.5, t)
                sample("proc_sentry_top_n", target, 50, t)
                sample("proc_sentry_processes_scanned", target, Double(processes.count + rest.processes), t)
                sample("proc_sentry_processes_selected", target, Double(processes.count), t)
                sample("proc_process_others_cpu_percent", target, rest.cpu, t)
                sample("proc_process_others_memory_bytes", target, rest.memory, t)
                sample("proc_process_others_io_read_bytes_per_second", target, 0, t)
                sample("proc_process_others_io_write_bytes_per_second", target, 0, t)
                sample("proc_process_others_processes", target, Double(rest.processes), t)
                sample("proc_process_unattributed_cpu_percent", target, rest.unattributed, t)
                for process in processes {
                    let labels = target.merging(["pid": String(process.pid), "name": process.name, "user": "root", "container_id": ""]) { $1 }
                    sample("proc_process_top_cpu_percent", labels, process.cpu, t)
                    sample("proc_process_top_children_cpu_percent", labels, process.children, t)
                    sample("proc_process_top_memory_bytes", labels, process.memory, t)
                    sample("proc_process_top_io_read_bytes_per_second", labels, process.read, t)
                    sample("proc_process_top_io_write_bytes_per_second", labels, process.write, t)
                    for (list, rank) in process.ranks {
                        sample("proc_process_top_rank", labels.merging(["list": list]) { $1 }, Double(rank), t)
                    }
                }
            }
        }
        // A family's samples grouped by series, each series in time order.
        return order.map { family in
            let lines = families[family]!
            let bySeries = Dictionary(grouping: lines.enumerated(), by: { $0.element.split(separator: " ")[0] })
                .sorted { $0.value[0].offset < $1.value[0].offset }
            return "# TYPE \(family) gauge\n" + bySeries.flatMap { $0.value.map(\.element) }.joined(separator: "\n")
        }.joined(separator: "\n") + "\n# EOF\n"
    }

    /// Writes the history into a new TSDB directory inside `directory`, and returns its path.
    func writeBlocks(in directory: TemporaryDirectory) async throws -> String {
        try directory.write("history.om", openMetrics())
        let data = directory.path("tsdb")
        let result = try await runCommand(
            Tools.promtool, ["tsdb", "create-blocks-from", "openmetrics", directory.path("history.om"), data],
            timeout: .seconds(120))
        guard result.status == 0 else { throw HarnessError("promtool: \(result.stderrText)\(result.stdoutText)") }
        return data
    }

    /// A Prometheus serving this history (and scraping `targets`, if any, every second).
    static func serve(
        _ history: StoredHistory, scraping targets: [String] = [], arguments: [String] = [], in directory: TemporaryDirectory
    ) async throws -> (ChildProcess, port: Int) {
        let data = try await history.writeBlocks(in: directory)
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: \(job)
                static_configs:
                  - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]

            """
        try directory.write("prometheus.yml", config)
        let (prometheus, port) = try await startPrometheus(
            config: directory.path("prometheus.yml"), directory: directory, dataDirectory: data, arguments: arguments)
        return (prometheus, port)
    }
}
