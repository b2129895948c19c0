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
            nodes: state.timeline == nil ? nil : state.visibleNodes(in: data),
            processes: state.visibleProcesses(in: data),
            containers: state.visibleContainers(in: data))
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
        var nodes: [NodeRow]?
        var processes: [ProcessRow]
        var containers: [ContainerRow]
    }
}

// The rows in the JSON documents, encoded from the rows the tables show. Keys are snake_case
// (the encoder converts the names below); optional figures a source lacks are left out.

extension ProcessRow: Encodable {
    private enum CodingKeys: String, CodingKey {
        case pid, name, user, uid, state, startTime, cpuPercent, childrenCpuPercent, childrenCpuSeconds, residentBytes
        case readBytesPerSecond, writeBytesPerSecond, threads, containerId, podUid, ranks, held, listeningPorts, instance
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pid, forKey: .pid)
        try container.encode(name, forKey: .name)
        try container.encode(user, forKey: .user)
        try container.encodeIfPresent(uid, forKey: .uid)
        try container.encodeIfPresent(state?.description, forKey: .state)
        try container.encodeIfPresent(startTime, forKey: .startTime)
        try container.encodeIfPresent(cpuPercent, forKey: .cpuPercent)
        try container.encodeIfPresent(childrenCPUPercent, forKey: .childrenCpuPercent)
        try container.encodeIfPresent(childrenCPUSeconds, forKey: .childrenCpuSeconds)
        try container.encodeIfPresent(residentBytes, forKey: .residentBytes)
        try container.encodeIfPresent(readBytesPerSecond, forKey: .readBytesPerSecond)
        try container.encodeIfPresent(writeBytesPerSecond, forKey: .writeBytesPerSecond)
        try container.encodeIfPresent(threads, forKey: .threads)
        try container.encode(containerID, forKey: .containerId)
        try container.encodeIfPresent(podUID, forKey: .podUid)
        // 1-based rank in each Top N list the process is in; the lists it is not in are null.
        let rankByList: [String: Int?] = Dictionary(uniqueKeysWithValues: TopList.allCases.map { ($0.rawValue, ranks[$0]) })
        try container.encode(rankByList, forKey: .ranks)
        try container.encode(isHeld, forKey: .held)
        try container.encode(listeningPorts.map { "\($0.port)/\($0.kind.rawValue)" }, forKey: .listeningPorts)
        try container.encodeIfPresent(instance, forKey: .instance)
    }
}

extension ContainerRow: Encodable {
    private enum CodingKeys: String, CodingKey {
        case id, podUid, runtime, processCount, cpuPercent, cgroupCpuPercent, residentBytes, readBytesPerSecond
        case writeBytesPerSecond
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(podUID, forKey: .podUid)
        try container.encodeIfPresent(runtime?.rawValue, forKey: .runtime)
        try container.encode(processCount, forKey: .processCount)
        try container.encode(cpuPercent, forKey: .cpuPercent)
        try container.encodeIfPresent(cgroupCPUPercent, forKey: .cgroupCpuPercent)
        try container.encode(residentBytes, forKey: .residentBytes)
        try container.encode(readBytesPerSecond, forKey: .readBytesPerSecond)
        try container.encode(writeBytesPerSecond, forKey: .writeBytesPerSecond)
    }
}

extension NodeRow: Encodable {
    private enum CodingKeys: String, CodingKey {
        case instance, up, cpuPercent, residentBytes, ioBytesPerSecond, processCount
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(instance, forKey: .instance)
        try container.encodeIfPresent(isUp, forKey: .up)
        try container.encodeIfPresent(cpuPercent, forKey: .cpuPercent)
        try container.encodeIfPresent(residentBytes, forKey: .residentBytes)
        try container.encodeIfPresent(ioBytesPerSecond, forKey: .ioBytesPerSecond)
        try container.encodeIfPresent(processCount, forKey: .processCount)
    }
}
