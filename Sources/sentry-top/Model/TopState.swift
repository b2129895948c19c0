import SentryCore

/// The four tabs.
enum Tab: Int, CaseIterable, Sendable {
    case cpu, memory, io, containers

    var title: String {
        switch self {
        case .cpu: "CPU"
        case .memory: "Memory"
        case .io: "IO"
        case .containers: "Containers"
        }
    }

    /// The key of a process tab's own order (`SortOrder.column` nil): CPU and IO sum two
    /// columns; the Memory tab's is its column.
    var compositeKey: CompositeKey {
        switch self {
        case .io: ProcessColumns.ioTotal
        case .memory: CompositeKey(columns: [ProcessColumns.memory], key: ProcessColumns.all[ProcessColumns.memory].key)
        case .cpu, .containers: ProcessColumns.cpuTotal
        }
    }

    /// The order a process tab starts in: by its own key, largest first.
    var defaultSort: SortOrder {
        switch self {
        case .cpu: SortOrder(column: nil, descending: true)
        case .memory: SortOrder(column: ProcessColumns.memory, descending: true)
        case .io: SortOrder(column: nil, descending: true)
        case .containers: SortOrder(column: ContainerColumns.cpu, descending: true)
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

    init(delay: Double, initialSort: Tab = .cpu) {
        self.delay = delay
        self.tab = initialSort
    }

    /// Whether the view shows processes outside the exported set, whose rows a refresh builds
    /// only when asked (`TopDataSource.refresh(everyProcess:)`).
    var needsEveryProcess: Bool { showsAllProcesses || containerFocus != nil }

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
                || row.containerID.hasPrefix(needle)
        }
        let orderTab = tab == .containers ? Tab.cpu : tab
        let order = sortOrders[orderTab]!
        let key = order.column.map { ProcessColumns.all[$0].key } ?? orderTab.compositeKey.key
        return rows.sorted { a, b in
            let (ka, kb) = (key(a), key(b))
            if ka != kb { return order.descending ? kb < ka : ka < kb }
            return a.pid < b.pid
        }
    }

    /// The container rows, in display order.
    func visibleContainers(in data: TopData) -> [ContainerRow] {
        let needle = filter.lowercased()
        let rows = data.containers.filter {
            needle.isEmpty || $0.id.hasPrefix(needle) || ($0.podUID ?? "").contains(needle)
        }
        let order = sortOrders[.containers]!
        let key = ContainerColumns.all[order.column ?? ContainerColumns.cpu].key
        return rows.sorted { a, b in
            let (ka, kb) = (key(a), key(b))
            if ka != kb { return order.descending ? kb < ka : ka < kb }
            return a.id < b.id
        }
    }

    /// Keeps each highlight on its item after a refresh.
    mutating func reconcile(with data: TopData) {
        processCursor.reconcile(with: visibleProcesses(in: data).map(\.id), viewport: viewportRows)
        containerCursor.reconcile(with: visibleContainers(in: data).map(\.id), viewport: viewportRows)
    }

    /// The highlighted process, if a process tab is showing.
    func highlightedProcess(in data: TopData) -> ProcessRow? {
        guard tab != .containers else { return nil }
        let rows = visibleProcesses(in: data)
        return rows.indices.contains(processCursor.index) ? rows[processCursor.index] : nil
    }
}
