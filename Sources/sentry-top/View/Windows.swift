import SentryCore

/// The help screen: every key, from the key map's own table.
enum HelpView {
    static func render(into frame: inout Frame) {
        frame.set(0, [Span("sentry-top: the Top N processes by CPU, memory and IO, as sentry-exporter sends them", .title)], fill: .title)
        var row = 2
        for binding in KeyMap.bindings {
            frame.set(row, [Span(TextWidth.fit(binding.keys, 22), .statusKey), Span(binding.help)])
            row += 1
        }
        row += 1
        frame.set(row, [Span("CMI column: the Top N lists (CPU, Memory, IO) a process is in, i.e. why Prometheus receives it.", .dim)])
        frame.set(row + 1, [Span("hld: in none, but still exported for --top.hold scans after it left them all.", .dim)])
        frame.set(frame.height - 1, [Span("Press any key to return.", .statusText)], fill: .statusText)
    }
}

/// Everything known about one process, in place of the table.
enum DetailsView {
    static func render(_ row: ProcessRow, details: ProcessDetails?, layout: TopLayout, into frame: inout Frame) {
        let na = Format.notAvailable
        let ports = row.listeningPorts.map { "\($0.port)/\($0.kind.rawValue)" }.joined(separator: " ")
        var lines: [(String, String)] = [
            ("PID", String(row.pid)),
            ("Name", TextWidth.printable(row.name)),
            ("Command line", details.map { TextWidth.printable($0.commandLine) } ?? na),
            ("User", row.user + (row.uid.map { " (UID \($0))" } ?? "")),
            ("State", row.state?.description ?? na),
            ("Threads", row.threads.map(String.init) ?? na),
            ("Started", row.startTime.map(Self.utc) ?? na),
            ("CPU", row.cpuPercent.map { Format.percent($0) + " % of one core" } ?? na),
            ("Children's CPU", childrenCPU(row)),
            ("Memory (RSS)", Format.bytes(row.residentBytes)),
            ("IO read/s", Format.bytes(row.readBytesPerSecond)),
            ("IO write/s", Format.bytes(row.writeBytesPerSecond)),
            ("Listening ports", row.isExported ? (ports.isEmpty ? "none" : ports) : "\(na) (resolved for exported processes only)"),
            ("Top N lists", listDescription(row)),
            ("Container", row.containerID.isEmpty ? "none (host)" : row.containerID),
            ("Pod UID", row.podUID ?? (row.containerID.isEmpty ? "none" : na)),
        ]
        if let details {
            lines += details.cgroups.enumerated().map { ($0 == 0 ? "Cgroup" : "", TextWidth.printable($1)) }
        } else {
            lines.append(("Cgroup", na))
        }
        frame.set(layout.columnHeaderRow, [Span("Process \(row.pid): \(TextWidth.printable(row.name))", .windowTitle)], fill: .windowTitle)
        for (offset, line) in lines.enumerated() where layout.firstTableRow + offset < layout.statusRow {
            frame.set(layout.firstTableRow + offset, [Span(TextWidth.fit(line.0, 16), .bold), Span(line.1)])
        }
    }

    /// Net CPU of reaped children: the rate, and the seconds since the process started.
    private static func childrenCPU(_ row: ProcessRow) -> String {
        let rate = row.childrenCPUPercent.map { Format.percent($0) + " % of one core" } ?? Format.notAvailable
        let seconds = row.childrenCPUSeconds.map { ", \(Format.duration(seconds: $0)) in all" } ?? ""
        return rate + seconds + " (reaped children, less what was seen of them running)"
    }

    private static func listDescription(_ row: ProcessRow) -> String {
        let parts = TopList.allCases.compactMap { list in row.ranks[list].map { "\(list.rawValue) #\($0)" } }
        guard parts.isEmpty else { return parts.joined(separator: ", ") }
        return row.isHeld ? "none (held: still exported, for a few scans after it left them all)" : "none (not exported)"
    }

    /// `2026-11-25 10:50:15 UTC`.
    static func utc(_ seconds: Double) -> String {
        let days = Int((seconds / 86_400).rounded(.down))
        let secondOfDay = Int(seconds) - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) UTC"
    }
}

/// A list to pick one item from (sort column, signal), in place of the table.
enum ChooserView {
    static func render(title: String, items: [String], highlighted: Int, layout: TopLayout, into frame: inout Frame) {
        frame.set(layout.columnHeaderRow, [Span(title + "   (↑↓ choose, Enter select, Esc cancel)", .windowTitle)], fill: .windowTitle)
        for (index, item) in items.enumerated() where layout.firstTableRow + index < layout.statusRow {
            let style: Style = index == highlighted ? .highlighted : .normal
            frame.set(layout.firstTableRow + index, [Span("  " + item, style)], fill: style)
        }
    }
}
