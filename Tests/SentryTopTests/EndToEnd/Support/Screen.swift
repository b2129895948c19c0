import Foundation

/// One captured screen of sentry-top, read the way a user reads it: header, tab bar, table
/// (column titles, then one row per process), status line.
struct Screen: CustomStringConvertible {
    /// One entry per pane row, trailing spaces trimmed.
    let lines: [String]

    init(_ capture: String) {
        var lines = capture.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    var text: String { lines.joined(separator: "\n") }
    var description: String { text }

    /// The bottom row: key hints, the filter prompt, or a message.
    var statusLine: String { lines.last ?? "" }

    /// The row of column titles of a process tab (`PID USER CPU% … NAME`).
    var processHeaderIndex: Int? {
        lines.firstIndex { Self.startsWithTitles($0, ["PID", "USER", "CPU%", "CHLD%", "RSS"]) }
    }

    /// The row of column titles of the Containers tab.
    var containerHeaderIndex: Int? {
        lines.firstIndex { Self.startsWithTitles($0, ["CONTAINER", "PROCS", "CPU%", "CGRP%", "MEM"]) }
    }

    /// Whether the words of `line` start with `expected`, each title maybe cut short by its sort
    /// marker (a title that fills its column, such as CHLD%, shows as `CHLD▼`).
    private static func startsWithTitles(_ line: String, _ expected: [String]) -> Bool {
        let words = line.split(separator: " ").map { String($0.filter { $0 != "▲" && $0 != "▼" }) }
        return words.count >= expected.count && zip(words, expected).allSatisfy { !$0.isEmpty && $1.hasPrefix($0) }
    }

    /// The column titles (of either table), split at spaces.
    var columnTitles: [String] {
        guard let index = processHeaderIndex ?? containerHeaderIndex else { return [] }
        return lines[index].split(separator: " ").map(String.init)
    }

    /// The sorted column's title and direction, from its ▲ (ascending) or ▼ (descending) marker.
    /// More than one title when a tab's own key sorts (CPU% and CHLD% on the CPU tab, READ/s
    /// and WRITE/s on the IO tab).
    var sortMarkers: [(title: String, descending: Bool)] {
        columnTitles.compactMap { title in
            if title.hasSuffix("▼") { return (String(title.dropLast()), true) }
            if title.hasSuffix("▲") { return (String(title.dropLast()), false) }
            return nil
        }
    }

    /// The rows between the process table's titles and the status line, in screen order, with
    /// every non-blank line parsed as a process row (nil if it is not one: garbage).
    var processRows: [ProcessLine?] {
        guard let header = processHeaderIndex else { return [] }
        return lines[(header + 1)..<max(lines.count - 1, header + 1)]
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map(ProcessLine.init)
    }

    /// PIDs of the process rows, top to bottom; nil if some row does not parse.
    var pids: [Int32]? {
        let rows = processRows
        guard rows.allSatisfy({ $0 != nil }) else { return nil }
        return rows.map { $0!.pid }
    }
}

/// One row of a process table: `PID USER CPU% CHLD% RSS READ/s WRITE/s THR CMI CONTAINER
/// NAME`, at the fixed widths of the process columns (7 8 5 5 6 7 7 4 3 12, one space between).
struct ProcessLine: Equatable {
    let pid: Int32
    let user: String
    let cpuPercent: String
    let childrenCPUPercent: String
    let rss: String
    /// The flexible last column, cut to the screen width.
    let name: String

    /// Column where NAME starts: the fixed widths plus their separators.
    static let nameColumn = [7, 8, 5, 5, 6, 7, 7, 4, 3, 12].reduce(0) { $0 + $1 + 1 }

    init?(_ line: String) {
        let characters = Array(line)
        func cell(_ start: Int, _ width: Int) -> String {
            guard start < characters.count else { return "" }
            return String(characters[start..<min(start + width, characters.count)]).trimmingCharacters(in: .whitespaces)
        }
        guard characters.count >= Self.nameColumn, let pid = Int32(cell(0, 7)), pid > 0 else { return nil }
        self.pid = pid
        user = cell(8, 8)
        cpuPercent = cell(17, 5)
        childrenCPUPercent = cell(23, 5)
        rss = cell(29, 6)
        name = cell(Self.nameColumn, characters.count)
    }

    /// RSS as shown (`0`, `512B`, `9.5K`, `120M`, `1.2G`) in bytes; nil for n/a.
    var rssBytes: Double? {
        if rss == "0" { return 0 }
        let units: [Character: Double] = ["B": 1, "K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        guard let unit = rss.last, let scale = units[unit], let value = Double(rss.dropLast()) else { return nil }
        return value * scale
    }
}

extension Screen {
    /// The tab on screen, told apart by what only it shows while every tab still has its
    /// initial order: the Containers table, or a process table sorted by the tab's own key
    /// (CPU% with CHLD%, RSS, or READ/s with WRITE/s for IO). The tab bar itself differs only in colour.
    var tabByInitialSort: String? {
        if containerHeaderIndex != nil { return "Containers" }
        switch sortMarkers.first.map({ ($0.title, $0.descending) }) {
        case ("CPU%", true)?: return "CPU"
        case ("RSS", true)?: return "Memory"
        case ("READ/s", true)?: return "IO"
        default: return nil
        }
    }
}
