/// Where each part of the screen goes for one terminal size, and what a click there means.
///
/// Both the view (to draw) and the mouse handling (to hit-test) use this one layout, so a
/// click always lands on what is drawn.
struct TopLayout: Equatable {
    let width: Int
    let height: Int
    /// Whether the header has a bar per CPU (two per line) rather than one for all of them.
    let showsEachCPU: Bool
    /// Lines of CPU bars.
    let cpuLines: Int
    let tab: Tab
    /// The tabs on the tab bar (`TopState.tabs`).
    let tabs: [Tab]
    /// Whether the process tabs show the fleet (`TopState.showsFleet`), with its columns.
    let isFleet: Bool

    init(width: Int, height: Int, cpuCount: Int, tab: Tab, tabs: [Tab] = Tab.node, isFleet: Bool = false) {
        self.width = max(width, 1)
        self.height = max(height, 1)
        self.tab = tab
        self.tabs = tabs
        self.isFleet = isFleet
        let perCPULines = (cpuCount + 1) / 2
        showsEachCPU = cpuCount > 1 && cpuCount <= 16 && width >= 60 && height >= 20 + perCPULines
        cpuLines = showsEachCPU ? perCPULines : 1
    }

    /// CPU lines, then memory, tasks and the exporter view.
    var headerLines: Int { cpuLines + 3 }
    var tabBarRow: Int { headerLines }
    var columnHeaderRow: Int { headerLines + 1 }
    var firstTableRow: Int { headerLines + 2 }
    var statusRow: Int { height - 1 }
    /// Table rows on screen (at least one).
    var tableRows: Int { max(statusRow - firstTableRow, 1) }

    /// Column ranges of the tab titles on the tab bar (" 1 CPU ", ...).
    var tabSpans: [(tab: Tab, columns: Range<Int>)] {
        var spans: [(Tab, Range<Int>)] = []
        var column = 0
        for tab in tabs {
            let width = Self.tabLabel(tab).count
            spans.append((tab, column..<(column + width)))
            column += width + 1
        }
        return spans
    }

    static func tabLabel(_ tab: Tab) -> String { " \(tab.rawValue + 1) \(tab.title) " }

    /// Widths of the current tab's columns: fixed ones as declared, the flexible one takes the rest.
    var columnWidths: [Int] {
        let declared = ColumnShape(tab: tab, isFleet: isFleet).widths
        let fixed = declared.reduce(0, +) + declared.count - 1
        return declared.map { $0 == 0 ? max(width - fixed, 4) : $0 }
    }

    /// Column ranges of the current tab's columns (separated by one space).
    var columnSpans: [Range<Int>] {
        var start = 0
        return columnWidths.map { width in
            defer { start += width + 1 }
            return start..<(start + width)
        }
    }

    /// What a click at `row`, `column` asks for, if anything.
    func action(atRow row: Int, column: Int) -> TopAction? {
        if row == tabBarRow {
            return tabSpans.first { $0.columns.contains(column) }.map { .selectTab($0.tab) }
        }
        if row == columnHeaderRow {
            return columnSpans.firstIndex { $0.contains(column) || $0.upperBound == column }.map { .sortBy(column: $0) }
        }
        if row >= firstTableRow, row < statusRow {
            return .highlightRow(row - firstTableRow)
        }
        return nil
    }
}
