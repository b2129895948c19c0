import SentryCore

/// The tabs: the process and container tabs of every mode, and the Nodes tab of a fleet read
/// from Prometheus.
enum Tab: Int, CaseIterable, Sendable {
    case cpu, memory, io, containers, nodes

    /// The tabs of a single node (local and attach modes).
    static let node: [Tab] = [.cpu, .memory, .io, .containers]

    var title: String {
        switch self {
        case .cpu: "CPU"
        case .memory: "Memory"
        case .io: "IO"
        case .containers: "Containers"
        case .nodes: "Nodes"
        }
    }

    /// The key of a process tab's own order (`SortOrder.column` nil): CPU and IO sum two
    /// columns; the Memory tab's is its column.
    var compositeKey: CompositeKey {
        switch self {
        case .io: ProcessColumns.ioTotal
        case .memory: CompositeKey(columns: [ProcessColumns.memory], key: ProcessColumns.all[ProcessColumns.memory].key)
        case .cpu, .containers, .nodes: ProcessColumns.cpuTotal
        }
    }

    /// The order a process tab starts in: by its own key, largest first.
    var defaultSort: SortOrder {
        switch self {
        case .cpu: SortOrder(column: nil, descending: true)
        case .memory: SortOrder(column: ProcessColumns.memory, descending: true)
        case .io: SortOrder(column: nil, descending: true)
        case .containers: SortOrder(column: ContainerColumns.cpu, descending: true)
        case .nodes: SortOrder(column: NodeColumns.cpu, descending: true)
        }
    }
}

/// Which column a table is sorted by, and which way.
struct SortOrder: Equatable, Sendable {
    /// An index into the tab's columns; nil for the tab's own `compositeKey`.
    var column: Int?
    var descending: Bool
}

/// A signal `k` can send, with its name for the chooser.
struct SignalChoice: Equatable, Sendable {
    var number: Int32
    var name: String

    static let all: [SignalChoice] = [
        SignalChoice(number: 15, name: "SIGTERM"), SignalChoice(number: 9, name: "SIGKILL"),
        SignalChoice(number: 1, name: "SIGHUP"), SignalChoice(number: 2, name: "SIGINT"),
        SignalChoice(number: 3, name: "SIGQUIT"), SignalChoice(number: 10, name: "SIGUSR1"),
        SignalChoice(number: 12, name: "SIGUSR2"), SignalChoice(number: 19, name: "SIGSTOP"),
        SignalChoice(number: 18, name: "SIGCONT"),
    ]
}

/// Which instant a view of Prometheus shows, and how far the time keys move it.
struct Timeline: Equatable, Sendable {
    /// Seconds since the epoch; nil for now (live, refreshed like attach mode).
    var instant: Double?
    /// Seconds one step moves: `--step`, else the node's stored scan interval once known.
    var step: Double
    /// Whether `step` came from `--step` (kept) or is a default to replace by the stored one.
    var stepIsFixed: Bool

    /// The step before the stored scan interval is known: the exporter's default interval.
    static let defaultStep = 15.0
}

/// A window over the table that takes the keys while it is open.
enum Overlay: Equatable, Sendable {
    case help
    case details(ProcessRow)
    case sortChooser(highlighted: Int)
    case confirmSignal(ProcessRow, SignalChoice)
    case signalChooser(ProcessRow, highlighted: Int)
}

/// What the screen shows and how: tab, sort, highlight, filter, mode. A value with no terminal
/// and no I/O, so every key's effect is unit-tested (htop's `Htop_Reaction` idea).
struct TopState: Sendable {
    var tab: Tab = .cpu
    var sortOrders: [Tab: SortOrder] = Dictionary(uniqueKeysWithValues: Tab.allCases.map { ($0, $0.defaultSort) })
    var processCursor = TableCursor<ProcessRow.ID>()
    var containerCursor = TableCursor<String>()
    var nodeCursor = TableCursor<String>()
    /// The tabs the source has, in key order.
    var tabs = Tab.node
    /// Case-insensitive substring of name, user or container ID.
    var filter = ""
    var isEditingFilter = false
    /// False: only the exported set (what Prometheus receives); true: every process.
    var showsAllProcesses = false
    /// Set by Enter on a container: the process tabs show only its processes.
    var containerFocus: String?
    var isPaused = false
    /// Seconds between refreshes.
    var delay: Double
    var overlay: Overlay?
    /// What the details window shows beyond the row, read when it opens (local processes only).
    var details: ProcessDetails?
    /// A one-line message for the status bar (errors, signal results); cleared by the next key.
    var message: String?
    /// Rows of the table on screen, set by the layout before keys are handled.
    var viewportRows = 10
    /// Whether the rows come from a local scan: only then may `k` send signals, and are there
    /// processes outside the exported set.
    var isLocal = true
    /// From Prometheus: the instant shown and the step of the time keys; nil for other sources.
    var timeline: Timeline?
    /// From Prometheus: the node shown on the process and container tabs; nil for the fleet.
    var node: String?
    /// The time prompt (`t`) is open, and what has been typed in it.
    var isEditingTime = false
    var timeInput = ""

    init(delay: Double, initialSort: Tab = .cpu) {
        self.delay = delay
        self.tab = initialSort
    }

    /// Whether the view shows processes outside the exported set, whose rows a refresh builds
    /// only when asked (`TopDataSource.refresh(everyProcess:)`).
    var needsEveryProcess: Bool { showsAllProcesses || containerFocus != nil }

    /// What the next refresh fetches.
    var frameRequest: FrameRequest {
        FrameRequest(everyProcess: needsEveryProcess, node: node, instant: timeline?.instant)
    }

    /// Whether the data changes by itself, so the loop refreshes it on the interval: not while
    /// paused, nor while showing a past instant.
    var refreshesPeriodically: Bool { !isPaused && timeline?.instant == nil }

    var sortOrder: SortOrder {
        get { sortOrders[tab]! }
        set { sortOrders[tab] = newValue }
    }

    // MARK: - Rows

    /// The process rows of the current view, in display order.
    func visibleProcesses(in data: TopData) -> [ProcessRow] {
        let needle = filter.lowercased()
        let rows = data.processes.filter { row in
            if let containerFocus {
                guard row.containerID == containerFocus else { return false }
            } else if !showsAllProcesses, !row.isExported {
                return false
            }
            return needle.isEmpty || row.name.lowercased().contains(needle) || row.user.lowercased().contains(needle)
                || row.containerID.hasPrefix(needle) || (row.instance?.lowercased().contains(needle) ?? false)
        }
        let orderTab = showsProcesses ? tab : Tab.cpu
        let order = sortOrders[orderTab]!
        let key = order.column.map { processColumns[$0].key } ?? orderTab.compositeKey.key
        return rows.sorted(by: key, descending: order.descending) { $0.pid < $1.pid }
    }

    /// The container rows, in display order.
    func visibleContainers(in data: TopData) -> [ContainerRow] {
        let needle = filter.lowercased()
        let rows = data.containers.filter {
            needle.isEmpty || $0.id.hasPrefix(needle) || ($0.podUID ?? "").contains(needle)
        }
        let order = sortOrders[.containers]!
        let key = ContainerColumns.all[order.column ?? ContainerColumns.cpu].key
        return rows.sorted(by: key, descending: order.descending) { $0.id < $1.id }
    }

    /// Keeps each highlight on its item after a refresh.
    mutating func reconcile(with data: TopData) {
        processCursor.reconcile(with: visibleProcesses(in: data).map(\.id), viewport: viewportRows)
        containerCursor.reconcile(with: visibleContainers(in: data).map(\.id), viewport: viewportRows)
        nodeCursor.reconcile(with: visibleNodes(in: data).map(\.id), viewport: viewportRows)
        if var timeline, !timeline.stepIsFixed, let interval = data.header.scanInterval {
            timeline.step = interval
            self.timeline = timeline
        }
    }

    /// The node rows, in display order.
    func visibleNodes(in data: TopData) -> [NodeRow] {
        let needle = filter.lowercased()
        let rows = data.nodes.filter { needle.isEmpty || $0.instance.lowercased().contains(needle) }
        let order = sortOrders[.nodes]!
        let key = NodeColumns.all[order.column ?? NodeColumns.cpu].key
        return rows.sorted(by: key, descending: order.descending) { $0.instance < $1.instance }
    }

    /// Whether the process tabs show the fleet's top processes (from Prometheus, no node open).
    var showsFleet: Bool { timeline != nil && node == nil }

    /// The process tabs' columns: with the instance in the fleet view.
    var processColumns: [Column<ProcessRow>] { showsFleet ? ProcessColumns.fleet : ProcessColumns.all }

    /// Whether the current tab lists processes.
    var showsProcesses: Bool { tab != .containers && tab != .nodes }

    /// The highlighted process, if a process tab is showing.
    func highlightedProcess(in data: TopData) -> ProcessRow? {
        guard showsProcesses else { return nil }
        let rows = visibleProcesses(in: data)
        return rows.indices.contains(processCursor.index) ? rows[processCursor.index] : nil
    }
}

extension Array {
    /// Sorted by `key` (largest first if `descending`), rows with equal keys in `tiebreak` order.
    fileprivate func sorted(
        by key: (Element) -> SortKey, descending: Bool, tiebreak: (Element, Element) -> Bool
    ) -> [Element] {
        sorted { a, b in
            let (ka, kb) = (key(a), key(b))
            if ka != kb { return descending ? kb < ka : ka < kb }
            return tiebreak(a, b)
        }
    }
}
