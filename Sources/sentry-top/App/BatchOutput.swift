import FoundationEssentials
import SentryCore

/// `--batch`: the tables as plain text, like `top -b`; `--json`: one JSON document per line.
enum BatchOutput {
    /// The exported processes sorted as `state` sorts them, then the containers, as text.
    static func text(_ data: TopData, state: TopState, time: Double) -> String {
        let header = data.header
        var lines = [
            "sentry-top \(ProcSentry.version) - \(DetailsView.utc(time)) - source \(header.source)",
            "CPU \(header.cpuBusy.map { Format.fixed($0 * 100, fractionDigits: 1) + "%" } ?? Format.notAvailable)"
                + " (unattributed \(header.unattributedCPUPercent.map { Format.percent($0) + "% of one core" } ?? Format.notAvailable))"
                + ", memory \(header.memory.map { "\(Format.bytes($0.usedBytes))/\(Format.bytes($0.totalBytes))" } ?? Format.notAvailable)"
                + ", load \(header.load.map { Format.fixed($0.one, fractionDigits: 2) } ?? Format.notAvailable)"
                + ", \(header.processCount.map(String.init) ?? Format.notAvailable) processes",
            "Exported: \(header.selectedCount.map(String.init) ?? Format.notAvailable) processes"
                + (header.heldCount.map { $0 > 0 ? " (\($0) held)" : "" } ?? "")
                + " (top \(header.topN.map(String.init) ?? Format.notAvailable) by CPU, memory, IO),"
                + " \(header.seriesCount.map(String.init) ?? Format.notAvailable) series",
        ]
        if let timeline = state.timeline {
            lines.append(HeaderView.timeLine(data.header, timeline: timeline).map(\.text).joined())
        }
        lines.append("")
        if state.showsFleet {
            lines += table(NodeColumns.all, state.visibleNodes(in: data))
            lines.append("")
        }
        if let reason = data.unavailableReason {
            lines.append(reason)
        } else {
            lines += table(state.processColumns, state.visibleProcesses(in: data))
            lines.append("")
            lines += table(ContainerColumns.all, state.visibleContainers(in: data))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Columns at their screen widths; the last (flexible) column unpadded and uncut.
    private static func table<Row>(_ columns: [Column<Row>], _ rows: [Row]) -> [String] {
        func line(_ cells: [String]) -> String {
            zip(columns, cells).enumerated().map { index, pair in
                let (column, cell) = pair
                return index == columns.count - 1 ? TextWidth.printable(cell) : TextWidth.fit(cell, column.width, alignment: column.alignment)
            }.joined(separator: " ")
        }
        return [line(columns.map(\.title))] + rows.map { row in line(columns.map { $0.text(row) }) }
    }

    /// One JSON document with the same rows as the text, and every figure unformatted.
    static func json(_ data: TopData, state: TopState, time: Double) throws -> String {
        let document = Document(
            time: time, source: data.header.source, topN: data.header.topN, seriesCount: data.header.seriesCount,
            heldCount: data.header.heldCount,
            cpuBusy: data.header.cpuBusy, unattributedCpuPercent: data.header.unattributedCPUPercent,
            memoryUsedBytes: data.header.memory?.usedBytes,
            memoryTotalBytes: data.header.memory?.totalBytes, load1: data.header.load?.one,
            processCount: data.header.processCount, scanTime: data.header.scanTime,
            instant: state.timeline.map { _ in data.header.instant } ?? nil, node: state.node,
            unavailable: data.unavailableReason,
            nodes: state.timeline == nil ? nil : state.visibleNodes(in: data).map(Document.Node.init),
            processes: state.visibleProcesses(in: data).map(Document.Process.init),
            containers: state.visibleContainers(in: data).map(Document.Container.init))
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }

    private struct Document: Encodable {
        var time: Double
        var source: String
        var topN: Int?
        var seriesCount: Int?
        var heldCount: Int?
        var cpuBusy: Double?
        var unattributedCpuPercent: Double?
        var memoryUsedBytes: UInt64?
        var memoryTotalBytes: UInt64?
        var load1: Double?
        var processCount: Int?
        /// When the exporter's scan shown started (remote sources).
        var scanTime: Double?
        /// From Prometheus: the instant shown, the node, and why there are no rows, if so.
        var instant: Double?
        var node: String?
        var unavailable: String?
        var nodes: [Node]?
        var processes: [Process]
        var containers: [Container]

        struct Node: Encodable {
            var instance: String
            var up: Bool?
            var cpuPercent: Double?
            var residentBytes: Double?
            var ioBytesPerSecond: Double?
            var processCount: Int?

            init(_ row: NodeRow) {
                instance = row.instance
                up = row.isUp
                cpuPercent = row.cpuPercent
                residentBytes = row.residentBytes
                ioBytesPerSecond = row.ioBytesPerSecond
                processCount = row.processCount
            }
        }

        struct Process: Encodable {
            var pid: Int32
            var name: String
            var user: String
            var uid: UInt32?
            var state: String?
            var startTime: Double?
            var cpuPercent: Double?
            var childrenCpuPercent: Double?
            var childrenCpuSeconds: Double?
            var residentBytes: UInt64?
            var readBytesPerSecond: Double?
            var writeBytesPerSecond: Double?
            var threads: Int?
            var containerId: String
            var podUid: String?
            /// 1-based rank in each Top N list the process is in; absent lists are null.
            var ranks: [String: Int?]
            /// Exported while in no list, held after it left them all.
            var held: Bool
            var listeningPorts: [String]
            /// In the fleet view: the node the process runs on.
            var instance: String?

            init(_ row: ProcessRow) {
                pid = row.pid
                name = row.name
                user = row.user
                uid = row.uid
                state = row.state?.description
                startTime = row.startTime
                cpuPercent = row.cpuPercent
                childrenCpuPercent = row.childrenCPUPercent
                childrenCpuSeconds = row.childrenCPUSeconds
                residentBytes = row.residentBytes
                readBytesPerSecond = row.readBytesPerSecond
                writeBytesPerSecond = row.writeBytesPerSecond
                threads = row.threads
                containerId = row.containerID
                podUid = row.podUID
                ranks = Dictionary(uniqueKeysWithValues: TopList.allCases.map { ($0.rawValue, row.ranks[$0]) })
                held = row.isHeld
                listeningPorts = row.listeningPorts.map { "\($0.port)/\($0.kind.rawValue)" }
                instance = row.instance
            }
        }

        struct Container: Encodable {
            var id: String
            var podUid: String?
            var runtime: String?
            var processCount: Int
            var cpuPercent: Double
            var cgroupCpuPercent: Double?
            var residentBytes: UInt64
            var readBytesPerSecond: Double
            var writeBytesPerSecond: Double

            init(_ row: ContainerRow) {
                id = row.id
                podUid = row.podUID
                runtime = row.runtime?.rawValue
                processCount = row.processCount
                cpuPercent = row.cpuPercent
                cgroupCpuPercent = row.cgroupCPUPercent
                residentBytes = row.residentBytes
                readBytesPerSecond = row.readBytesPerSecond
                writeBytesPerSecond = row.writeBytesPerSecond
            }
        }
    }
}
