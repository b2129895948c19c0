import Foundation
import TestSupport

/// One document of `sentry-top --json`, parsed with JSONSerialization: the test reads the
/// output as any consumer would, not through the types that wrote it.
struct TopDocument {
    /// The three Top N lists, as the `ranks` object names them.
    static let lists = ["cpu", "memory", "io"]

    struct Process {
        let pid: Int32
        let name: String
        let cpuPercent: Double?
        let childrenCPUPercent: Double?
        let residentBytes: Double?
        let ioBytesPerSecond: Double?
        /// 1-based rank per list the process is in (lists it is not in are absent).
        let ranks: [String: Int]
        /// Exported in no list (held after it left them all).
        let held: Bool
        /// In the fleet view: the node.
        let instance: String?
    }

    /// A row of the Nodes list (`--prometheus` without `--instance`).
    struct Node: Equatable {
        let instance: String
        let up: Bool?
        let cpuPercent: Double?
        let residentBytes: Double?
        let processCount: Int?
    }

    let source: String
    let topN: Int?
    let processes: [Process]
    /// When the scan shown started (remote sources), the instant shown (Prometheus), why there
    /// are no rows, and the nodes (Prometheus).
    let scanTime: Double?
    let instant: Double?
    let unavailable: String?
    let nodes: [Node]?

    init(_ line: Substring) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw HarnessError("not a JSON object: \(line.prefix(200))")
        }
        guard let source = object["source"] as? String, let rows = object["processes"] as? [[String: Any]] else {
            throw HarnessError("no source or processes: \(line.prefix(200))")
        }
        self.source = source
        topN = object["top_n"] as? Int
        scanTime = object["scan_time"] as? Double
        instant = object["instant"] as? Double
        unavailable = object["unavailable"] as? String
        nodes = (object["nodes"] as? [[String: Any]])?.map { node in
            Node(
                instance: node["instance"] as? String ?? "", up: node["up"] as? Bool, cpuPercent: node["cpu_percent"] as? Double,
                residentBytes: node["resident_bytes"] as? Double, processCount: node["process_count"] as? Int)
        }
        processes = try rows.map { row in
            guard let pid = row["pid"] as? Int, let name = row["name"] as? String,
                let ranks = row["ranks"] as? [String: Any]
            else { throw HarnessError("malformed process: \(row)") }
            let read = row["read_bytes_per_second"] as? Double
            let write = row["write_bytes_per_second"] as? Double
            return Process(
                pid: Int32(pid), name: name, cpuPercent: row["cpu_percent"] as? Double,
                childrenCPUPercent: row["children_cpu_percent"] as? Double,
                residentBytes: row["resident_bytes"] as? Double,
                ioBytesPerSecond: read.flatMap { read in write.map { read + $0 } },
                ranks: ranks.compactMapValues { $0 as? Int }, held: row["held"] as? Bool ?? false,
                instance: row["instance"] as? String)
        }
    }

    /// Every document of an output, one per line.
    static func all(in output: String) throws -> [TopDocument] {
        try output.split(separator: "\n").map { try TopDocument($0) }
    }

    func process(_ pid: Int32) -> Process? {
        processes.first { $0.pid == pid }
    }

    /// The processes of one list, by rank.
    func members(of list: String) -> [Process] {
        processes.filter { $0.ranks[list] != nil }.sorted { $0.ranks[list]! < $1.ranks[list]! }
    }

    /// What is wrong with the lists: ranks that are not exactly 1…k, lists longer than N, a
    /// row in no list (not exported, so not in the default view), or ranks against the values.
    var listProblems: [String] {
        var problems: [String] = []
        for process in processes where process.ranks.isEmpty != process.held {
            problems.append("\(process.pid) (\(process.name)) is in no list but not held, or held in a list")
        }
        for list in Self.lists {
            let members = members(of: list)
            let ranks = members.map { $0.ranks[list]! }
            if ranks != Array(0..<ranks.count).map({ $0 + 1 }) { problems.append("\(list) ranks are not 1…k: \(ranks)") }
            if let topN, ranks.count > topN { problems.append("\(list) has \(ranks.count) > top_n \(topN)") }
            let values = members.map { process -> Double in
                switch list {
                case "cpu": process.cpuPercent.map { $0 + (process.childrenCPUPercent ?? 0) } ?? -1
                case "memory": process.residentBytes ?? -1
                default: process.ioBytesPerSecond ?? -1
                }
            }
            if values != values.sorted(by: >) { problems.append("\(list) ranks disagree with the values: \(values)") }
        }
        return problems
    }
}
