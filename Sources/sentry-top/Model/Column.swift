import SentryCore

/// A value a table is sorted by.
enum SortKey: Comparable {
    /// A number; a missing one (n/a) sorts below every number.
    case number(Double?)
    case text(String)

    static func < (lhs: SortKey, rhs: SortKey) -> Bool {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)):
            guard let b else { return false }
            guard let a else { return true }
            return a < b
        case (.text(let a), .text(let b)):
            return a.lowercased() < b.lowercased()
        case (.number, .text):
            return true
        case (.text, .number):
            return false
        }
    }
}

/// One column of a table: its title, width, how a row shows in it, and how it sorts.
///
/// Columns are data, as in htop's `Process_fields`: the view, the sort keys, mouse hits and
/// the help text all come from these tables.
struct Column<Row>: Sendable {
    var title: String
    /// Cells of this many columns; 0 for the one flexible column that takes the rest.
    var width: Int
    var alignment: Alignment
    /// Whether choosing this column sorts largest first (numbers) or A to Z (text).
    var sortsDescending: Bool
    var text: @Sendable (Row) -> String
    var key: @Sendable (Row) -> SortKey
}

enum ProcessColumns {
    /// The process table's columns, in screen order.
    static let all: [Column<ProcessRow>] = [
        Column(title: "PID", width: 7, alignment: .right, sortsDescending: false,
               text: { String($0.pid) }, key: { .number(Double($0.pid)) }),
        Column(title: "USER", width: 8, alignment: .left, sortsDescending: false,
               text: { $0.user }, key: { .text($0.user) }),
        Column(title: "CPU%", width: 5, alignment: .right, sortsDescending: true,
               text: { Format.percent($0.cpuPercent) }, key: { .number($0.cpuPercent) }),
        Column(title: "CHLD%", width: 5, alignment: .right, sortsDescending: true,
               text: { Format.percent($0.childrenCPUPercent) }, key: { .number($0.childrenCPUPercent) }),
        Column(title: "RSS", width: 6, alignment: .right, sortsDescending: true,
               text: { Format.bytes($0.residentBytes) }, key: { .number($0.residentBytes.map(Double.init)) }),
        Column(title: "READ/s", width: 7, alignment: .right, sortsDescending: true,
               text: { Format.bytes($0.readBytesPerSecond) }, key: { .number($0.readBytesPerSecond) }),
        Column(title: "WRITE/s", width: 7, alignment: .right, sortsDescending: true,
               text: { Format.bytes($0.writeBytesPerSecond) }, key: { .number($0.writeBytesPerSecond) }),
        Column(title: "THR", width: 4, alignment: .right, sortsDescending: true,
               text: { $0.threads.map(String.init) ?? Format.notAvailable }, key: { .number($0.threads.map(Double.init)) }),
        Column(title: "CMI", width: 3, alignment: .left, sortsDescending: true,
               text: { Format.lists($0.ranks, isHeld: $0.isHeld) }, key: { .number(Format.listScore($0.ranks)) }),
        Column(title: "CONTAINER", width: 12, alignment: .left, sortsDescending: false,
               text: { String($0.containerID.prefix(12)) }, key: { .text($0.containerID) }),
        Column(title: "NAME", width: 0, alignment: .left, sortsDescending: false,
               text: { $0.name }, key: { .text($0.name) }),
    ]

    /// The fleet view's columns: the node each process runs on where the others show its
    /// container (whose ID says little across nodes), so every index stays the same.
    static let fleet: [Column<ProcessRow>] = all.map { column in
        guard column.title == "CONTAINER" else { return column }
        return Column(title: "INSTANCE", width: 20, alignment: .left, sortsDescending: false,
                      text: { $0.instance ?? "" }, key: { .text($0.instance ?? "") })
    }

    static func index(of title: String) -> Int { all.firstIndex { $0.title == title }! }
    static let pid = index(of: "PID")
    static let cpu = index(of: "CPU%")
    static let memory = index(of: "RSS")
    static let name = index(of: "NAME")
    static let user = index(of: "USER")

    /// The CPU tab's own order: own plus children's CPU, what the process and the work it started
    /// used, so a shell or `make` whose children burn the CPU comes first.
    static let cpuTotal = CompositeKey(columns: [cpu, index(of: "CHLD%")], key: { .number($0.totalCPUPercent) })
    /// The IO tab's own order: read plus write per second.
    static let ioTotal = CompositeKey(columns: [index(of: "READ/s"), index(of: "WRITE/s")], key: { .number($0.ioBytesPerSecond) })
}

/// A tab's own order when no single column is chosen: a sum of columns that the table shows
/// apart, each marked as sorting.
struct CompositeKey: Sendable {
    var columns: [Int]
    var key: @Sendable (ProcessRow) -> SortKey
}

enum ContainerColumns {
    static let all: [Column<ContainerRow>] = [
        Column(title: "CONTAINER", width: 12, alignment: .left, sortsDescending: false,
               text: { String($0.shortID) }, key: { .text($0.id) }),
        Column(title: "PROCS", width: 5, alignment: .right, sortsDescending: true,
               text: { String($0.processCount) }, key: { .number(Double($0.processCount)) }),
        Column(title: "CPU%", width: 6, alignment: .right, sortsDescending: true,
               text: { Format.percent($0.cpuPercent) }, key: { .number($0.cpuPercent) }),
        Column(title: "CGRP%", width: 6, alignment: .right, sortsDescending: true,
               text: { Format.percent($0.cgroupCPUPercent) }, key: { .number($0.cgroupCPUPercent) }),
        Column(title: "MEM", width: 6, alignment: .right, sortsDescending: true,
               text: { Format.bytes($0.residentBytes) }, key: { .number(Double($0.residentBytes)) }),
        Column(title: "READ/s", width: 7, alignment: .right, sortsDescending: true,
               text: { Format.bytes($0.readBytesPerSecond) }, key: { .number($0.readBytesPerSecond) }),
        Column(title: "WRITE/s", width: 7, alignment: .right, sortsDescending: true,
               text: { Format.bytes($0.writeBytesPerSecond) }, key: { .number($0.writeBytesPerSecond) }),
        Column(title: "RUNTIME", width: 10, alignment: .left, sortsDescending: false,
               text: { $0.runtime?.rawValue ?? Format.notAvailable }, key: { .text($0.runtime?.rawValue ?? "") }),
        Column(title: "POD UID", width: 0, alignment: .left, sortsDescending: false,
               text: { $0.podUID ?? "" }, key: { .text($0.podUID ?? "") }),
    ]

    static let cpu = all.firstIndex { $0.title == "CPU%" }!
}

enum NodeColumns {
    static let all: [Column<NodeRow>] = [
        Column(title: "UP", width: 4, alignment: .left, sortsDescending: false,
               text: { $0.isUp.map { $0 ? "up" : "down" } ?? Format.notAvailable },
               key: { .number($0.isUp.map { $0 ? 1 : 0 }) }),
        Column(title: "CPU%", width: 6, alignment: .right, sortsDescending: true,
               text: { Format.percent($0.cpuPercent) }, key: { .number($0.cpuPercent) }),
        Column(title: "MEM", width: 6, alignment: .right, sortsDescending: true,
               text: { Format.bytes($0.residentBytes) }, key: { .number($0.residentBytes) }),
        Column(title: "IO/s", width: 7, alignment: .right, sortsDescending: true,
               text: { Format.bytes($0.ioBytesPerSecond) }, key: { .number($0.ioBytesPerSecond) }),
        Column(title: "PROCS", width: 6, alignment: .right, sortsDescending: true,
               text: { $0.processCount.map(String.init) ?? Format.notAvailable },
               key: { .number($0.processCount.map(Double.init)) }),
        Column(title: "INSTANCE", width: 0, alignment: .left, sortsDescending: false,
               text: { $0.instance }, key: { .text($0.instance) }),
    ]

    static let cpu = all.firstIndex { $0.title == "CPU%" }!
}

/// What the view, the layout and the sort keys need of a tab's columns, whatever its row type:
/// the one place that says which columns a tab shows.
struct ColumnShape: Equatable, Sendable {
    var titles: [String]
    /// `Column.width`: 0 for the flexible one.
    var widths: [Int]
    var sortsDescending: [Bool]

    /// The columns of `tab`; on a process tab, the fleet view's if `isFleet`.
    init(tab: Tab, isFleet: Bool) {
        switch tab {
        case .containers: self.init(ContainerColumns.all)
        case .nodes: self.init(NodeColumns.all)
        case .cpu, .memory, .io: self.init(isFleet ? ProcessColumns.fleet : ProcessColumns.all)
        }
    }

    private init<Row>(_ columns: [Column<Row>]) {
        titles = columns.map(\.title)
        widths = columns.map(\.width)
        sortsDescending = columns.map(\.sortsDescending)
    }
}
