import Foundation
import Testing

/// `grafana_dashboard.json`: the structure Grafana's Import screen needs, and every query run
/// through a real Prometheus scraping a real exporter.
@Suite("Grafana dashboard", .timeLimit(.minutes(3)))
struct GrafanaDashboardTests {
    static let job = "proc-sentry-dashboard"
    static let containerID = "8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3"

    @Test("importable: a datasource input, the template variables, unique panel ids, every target a query")
    func structure() throws {
        let dashboard = try Dashboard.load()
        let inputs = try #require(dashboard.json["__inputs"] as? [[String: Any]])
        #expect(inputs.contains { $0["name"] as? String == "DS_PROMETHEUS" && $0["pluginId"] as? String == "prometheus" })
        #expect(dashboard.json["uid"] is String && dashboard.json["title"] is String)
        #expect(dashboard.json["schemaVersion"] is Int)
        #expect(dashboard.variables.map(\.name) == ["instance", "container_id"])

        let panels = dashboard.panels
        #expect(Set(panels.compactMap { $0["id"] as? Int }).count == panels.count, "panel ids must be unique")
        for panel in panels {
            let title = panel["title"] as? String ?? "?"
            let grid = try #require(panel["gridPos"] as? [String: Int], "\(title): gridPos")
            #expect(grid["x"]! >= 0 && grid["w"]! > 0 && grid["x"]! + grid["w"]! <= 24, "\(title): \(grid)")
            guard panel["type"] as? String != "row" else { continue }
            #expect((panel["datasource"] as? [String: String])?["uid"] == "${DS_PROMETHEUS}", "\(title): datasource")
            let targets = try #require(panel["targets"] as? [[String: Any]], "\(title): targets")
            #expect(!targets.isEmpty, "\(title): no query")
            for target in targets {
                #expect(target["refId"] is String && !(target["expr"] as? String ?? "").isEmpty, "\(title): \(target)")
            }
        }
        // The panels the issue names, by what they query.
        let expressions = dashboard.expressions.map(\.expression).joined(separator: "\n")
        for family in [
            "proc_process_top_cpu_percent", "proc_process_top_memory_bytes", "proc_process_top_io_read_bytes_per_second",
            "proc_process_top_io_write_bytes_per_second", "proc_container_cpu_percent", "proc_container_memory_bytes",
            "proc_process_others_cpu_percent", "proc_process_others_memory_bytes",
            "proc_process_top_children_cpu_percent", "proc_process_others_children_cpu_percent",
            "proc_process_unattributed_cpu_percent", "proc_container_cgroup_cpu_percent",
            "proc_sentry_series_created_total", "proc_sentry_processes_entered_total", "proc_sentry_processes_held",
            "proc_process_top_listening_port_info", "proc_sentry_scan_duration_seconds", "proc_sentry_series_exported",
            "proc_sentry_scan_unreadable_files",
        ] {
            #expect(expressions.contains(family), "no panel queries \(family)")
        }
    }

    @Test("every query parses and returns data from a real Prometheus scraping a real exporter")
    func everyQueryReturnsData() async throws {
        try Tools.requirePrometheus()
        let dashboard = try Dashboard.load()
        let container = try await ContainerChild.start(id: Self.containerID)
        defer { container.stop() }
        try await Self.withPrometheus { prometheus, api, instance in
            try await Self.queryEveryPanel(dashboard, prometheus: prometheus, api: api, instance: instance)
        }
    }

    @Test("the CPU panels name a parent whose short-lived children burn a core, and stack to the node's busy CPU")
    func cpuPanelsNameTheForkingParent() async throws {
        try Tools.requirePrometheus()
        let dashboard = try Dashboard.load()
        func expression(_ title: String) throws -> [String] {
            let expressions = dashboard.expressions.filter { $0.panel.hasPrefix(title) }.map(\.expression)
            return try #require(expressions.isEmpty ? nil : expressions, "no panel \(title)")
        }
        try await Workload.exclusively {
            let parent = try await Workload.forkingParent()
            defer { parent.kill() }
            try await Self.withPrometheus { prometheus, api, instance in
                let values = ["$instance": instance, "$container_id": ".*"]
                let top = Dashboard.substitute(try expression("Top processes by CPU")[0], values)
                let first = try await poll(timeout: .seconds(60), interval: .milliseconds(500), "the forking parent first: \(top)") {
                    () -> [String: String]? in
                    let results = try await queryPrometheus(api, top)
                    let largest = results.max { Self.value(of: $0) < Self.value(of: $1) }
                    return (largest?["metric"] as? [String: String])?["pid"] == String(parent.pid) ? largest?["metric"] as? [String: String] : nil
                }
                print("Top processes by CPU, first: \(first)")
                // The stack: exported (own and children's), others, unattributed; about one core
                // of forking work, so well above half a core, and never above the two CPUs.
                var stack = 0.0
                for query in try expression("CPU: exported processes") {
                    let results = try await queryPrometheus(api, Dashboard.substitute(query, values))
                    stack += results.reduce(0) { $0 + Self.value(of: $1) }
                }
                print("CPU stack: \(stack) %")
                #expect(stack >= 60 && stack <= Double(ProcessInfo.processInfo.activeProcessorCount) * 100 + 5, "stack \(stack) %")
            }
        }
    }

    /// The value of one instant-vector result, `{"metric": …, "value": [time, "text"]}`.
    private static func value(of result: [String: Any]) -> Double {
        ((result["value"] as? [Any])?.last as? String).flatMap(Double.init) ?? -.infinity
    }

    /// Runs `body` with an exporter scanning every second and a real Prometheus scraping it:
    /// the Prometheus process, its query API URL and the exporter's `instance` label.
    private static func withPrometheus(
        _ body: (_ prometheus: ChildProcess, _ api: String, _ instance: String) async throws -> Void
    ) async throws {
        let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
        defer { exporter.stop() }
        let directory = try TemporaryDirectory("prometheus")
        defer { directory.remove() }
        let instance = "127.0.0.1:\(exporter.port)"
        try directory.write("prometheus.yml", prometheusConfiguration(job: Self.job, target: instance))
        let (prometheus, port) = try await startPrometheus(config: directory.path("prometheus.yml"), directory: directory)
        defer { prometheus.kill() }
        try await body(prometheus, "http://127.0.0.1:\(port)/api/v1/query", instance)
    }

    /// Every variable and panel query of `dashboard` returns data, for all containers and then
    /// for the one container (whose panels return only its series).
    private static func queryEveryPanel(
        _ dashboard: Dashboard, prometheus: ChildProcess, api: String, instance: String
    ) async throws {
        // "All" for container_id, as a user first sees it; then the one container.
        for containerValue in [".*", Self.containerID] {
            let values = ["$instance": instance, "$container_id": containerValue]
            for variable in dashboard.variables {
                let query = try #require(variable.labelValuesQuery, "\(variable.name): not label_values(selector, label)")
                let selector = Dashboard.substitute(query.selector, values)
                let results = try await poll(timeout: .seconds(60), interval: .milliseconds(500), "variable \(variable.name)") {
                    () -> [[String: Any]]? in
                    let results = try await queryPrometheus(api, selector)
                    return results.contains { ($0["metric"] as? [String: String])?[query.label] != nil } ? results : nil
                }
                #expect(!results.isEmpty)
            }
            for (panel, expression) in dashboard.expressions where containerValue == ".*" || expression.contains("$container_id") {
                let query = Dashboard.substitute(expression, values)
                let results = try await poll(timeout: .seconds(60), interval: .milliseconds(500), "\(panel): \(query)") {
                    () -> [[String: Any]]? in
                    if prometheus.hasExited { throw HarnessError("prometheus exited: \(prometheus.stderrText.suffix(2000))") }
                    let results = try await queryPrometheus(api, query)
                    return results.isEmpty ? nil : results
                }
                #expect(!results.isEmpty, "\(panel): \(query)")
                if containerValue != ".*" {
                    let labels = results.compactMap { $0["metric"] as? [String: String] }
                    #expect(labels.allSatisfy { $0["container_id"] == containerValue }, "\(panel): \(labels)")
                }
            }
        }
    }
}

/// The dashboard file, and what the tests read from it.
struct Dashboard {
    struct Variable {
        var name: String
        var query: String

        /// Grafana's `label_values(selector, label)`, which is not PromQL: split into its parts.
        var labelValuesQuery: (selector: String, label: String)? {
            guard query.hasPrefix("label_values("), query.hasSuffix(")"),
                let comma = query.lastIndex(of: ",")
            else { return nil }
            let selector = query[query.index(query.startIndex, offsetBy: 13)..<comma]
            let label = query[query.index(after: comma)..<query.index(before: query.endIndex)]
            return (String(selector).trimmingCharacters(in: .whitespaces), String(label).trimmingCharacters(in: .whitespaces))
        }
    }

    var json: [String: Any]

    static func load() throws -> Dashboard {
        let file = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("grafana_dashboard.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file))
        return Dashboard(json: try #require(object as? [String: Any]))
    }

    /// Every panel, including those inside collapsed rows.
    var panels: [[String: Any]] {
        let top = json["panels"] as? [[String: Any]] ?? []
        return top + top.flatMap { $0["panels"] as? [[String: Any]] ?? [] }
    }

    /// Every query of every panel, with the panel's title.
    var expressions: [(panel: String, expression: String)] {
        panels.flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).compactMap { target in
                (target["expr"] as? String).map { (panel["title"] as? String ?? "?", $0) }
            }
        }
    }

    var variables: [Variable] {
        let list = (json["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        return list.map { variable in
            let query = (variable["query"] as? [String: Any])?["query"] as? String ?? variable["query"] as? String ?? ""
            return Variable(name: variable["name"] as? String ?? "", query: query)
        }
    }

    /// What Grafana sends Prometheus: the variables replaced by their values.
    static func substitute(_ expression: String, _ values: [String: String]) -> String {
        values.reduce(expression) { $0.replacing($1.key, with: $1.value) }
    }
}

/// A child moved into cgroups named like a Docker container's (`/docker/<id>`), listening on a
/// loopback TCP port, so the container and port panels have something to show on a machine that
/// runs no container.
struct ContainerChild {
    let child: ChildProcess
    /// The container's cgroup directories, one per hierarchy it joined.
    let cgroups: [String]

    static func start(id: String) async throws -> ContainerChild {
        // cgroup v1 (a pids hierarchy, and cpuacct for its CPU accounting) where mounted, else
        // the cgroup v2 root.
        let root = "/sys/fs/cgroup"
        let hierarchies = FileManager.default.fileExists(atPath: "\(root)/pids/cgroup.procs")
            ? ["\(root)/pids", "\(root)/cpuacct"].filter { FileManager.default.fileExists(atPath: "\($0)/cgroup.procs") }
            : [root]
        let cgroups = hierarchies.map { "\($0)/docker/\(id)" }
        let join = cgroups.map { "mkdir -p \($0) && echo $$ > \($0)/cgroup.procs && " }.joined()
        let child = try ChildProcess(
            "/bin/sh",
            [
                "-c",
                join + """
                    exec python3 -c '
                    import socket, time
                    listener = socket.socket()
                    listener.bind(("127.0.0.1", 0))
                    listener.listen()
                    time.sleep(600)'
                    """,
            ],
            label: "container-child")
        let inContainer = try await poll(timeout: .seconds(10), interval: .milliseconds(50), "the child in \(cgroups)") {
            () -> Bool? in
            if child.hasExited { throw HarnessError("cannot join \(cgroups) (needs root): \(child.stderrText)") }
            let lines = (try? String(contentsOfFile: "/proc/\(child.pid)/cgroup", encoding: .utf8)) ?? ""
            return lines.contains("/docker/\(id)") ? true : nil
        }
        #expect(inContainer)
        return ContainerChild(child: child, cgroups: cgroups)
    }

    func stop() {
        child.kill()
        for cgroup in cgroups {
            // Removable once the killed child has left it.
            for _ in 0..<100 where rmdir(cgroup) != 0 { usleep(20_000) }
            _ = rmdir((cgroup as NSString).deletingLastPathComponent)
        }
    }
}
