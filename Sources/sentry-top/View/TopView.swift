import SentryCore

/// Draws the whole screen from the state and the data: a pure function, so tests read the
/// frame's text instead of a terminal.
enum TopView {
    static func render(_ state: TopState, _ data: TopData, width: Int, height: Int) -> Frame {
        let layout = TopLayout(
            width: width, height: height, cpuCount: data.header.perCPUBusy.count, tab: state.tab, tabs: state.tabs,
            isFleet: state.showsFleet)
        var frame = Frame(width: layout.width, height: layout.height)
        if state.overlay == .help {
            HelpView.render(into: &frame)
            return frame
        }
        HeaderView.render(data.header, state: state, layout: layout, into: &frame)
        renderTabBar(state, data, layout, into: &frame)
        switch state.overlay {
        case .details(let row)?:
            DetailsView.render(row, details: state.details, layout: layout, into: &frame)
        case .sortChooser(let highlighted)?:
            ChooserView.render(title: "Sort by", items: state.columnShape.titles, highlighted: highlighted, layout: layout, into: &frame)
        case .signalChooser(let row, let highlighted)?:
            ChooserView.render(
                title: "Signal to send to \(row.pid) (\(row.name))",
                items: SignalChoice.all.map { "\($0.number) \($0.name)" }, highlighted: highlighted, layout: layout,
                into: &frame)
        default:
            if let reason = data.unavailableReason, state.tab != .nodes {
                renderUnavailable(reason, layout: layout, into: &frame)
            } else if state.tab == .nodes {
                renderTable(
                    NodeColumns.all, rows: state.visibleNodes(in: data),
                    emptyReason: state.filter.isEmpty ? "No nodes to show." : "No node matches the filter.",
                    cursor: state.nodeCursor, isExported: { _ in true }, state: state, layout: layout, into: &frame)
            } else if state.tab == .containers {
                let emptyReason =
                    data.containersPending ? "Containers are read at the next refresh."
                    : state.filter.isEmpty ? "No containers to show." : "No container matches the filter."
                renderTable(
                    ContainerColumns.all, rows: state.visibleContainers(in: data), emptyReason: emptyReason,
                    cursor: state.containerCursor, isExported: { _ in true }, state: state, layout: layout, into: &frame)
            } else {
                renderTable(
                    state.processColumns, rows: state.visibleProcesses(in: data),
                    emptyReason: state.filter.isEmpty ? "No processes to show." : "No process matches the filter.",
                    cursor: state.processCursor, isExported: \.isExported, state: state, layout: layout, into: &frame)
            }
        }
        StatusView.render(state, layout: layout, into: &frame)
        return frame
    }

    /// Says why there are no rows where the table would be, instead of an empty table that
    /// would look like an idle node.
    private static func renderUnavailable(_ reason: String, layout: TopLayout, into frame: inout Frame) {
        var line = layout.firstTableRow
        var rest = Substring(reason)
        while !rest.isEmpty, line < layout.statusRow {
            var cut = rest.prefix(layout.width - 2)
            if cut.count < rest.count, let space = cut.lastIndex(of: " ") { cut = rest[..<space] }
            frame.set(line, [Span(" " + cut, .error)])
            rest = rest[cut.endIndex...].drop { $0 == " " }
            line += 1
        }
    }

    private static func renderTabBar(_ state: TopState, _ data: TopData, _ layout: TopLayout, into frame: inout Frame) {
        var spans: [Span] = []
        for tab in state.tabs {
            spans.append(Span(TopLayout.tabLabel(tab), tab == state.tab ? .tabActive : .tabInactive))
            spans.append(Span(" "))
        }
        var mode: [String] = []
        if let focus = state.containerFocus {
            mode.append("container \(focus.prefix(12)) (Esc: back)")
        } else if state.showsFleet, state.tab != .nodes {
            mode.append("the fleet's top \(state.tab == .containers ? "containers" : "processes") (5: nodes)")
        } else if state.showsProcesses {
            mode.append(state.showsAllProcesses ? "all processes" : "exported set")
        }
        if let node = state.node, state.tab != .nodes { mode.insert("node \(node) (Esc: nodes)", at: 0) }
        if !state.filter.isEmpty { mode.append("filter \"\(state.filter)\"") }
        if state.isPaused { mode.append("PAUSED") }
        spans.append(Span(" " + mode.joined(separator: ", "), .dim))
        frame.set(layout.tabBarRow, spans)
    }

    private static func renderTable<Row: Identifiable>(
        _ columns: [Column<Row>], rows: [Row], emptyReason: String, cursor: TableCursor<Row.ID>,
        isExported: (Row) -> Bool,
        state: TopState, layout: TopLayout, into frame: inout Frame
    ) {
        let widths = layout.columnWidths
        let order = state.sortOrders[state.tab]!
        let sortedColumns = Set(order.column.map { [$0] } ?? state.tab.compositeKey.columns)
        var header: [Span] = []
        for (index, column) in columns.enumerated() {
            let sorted = sortedColumns.contains(index)
            // The marker is what tells which column sorts: when a title fills its column
            // (WRITE/s, CMI), cut the title, not the marker.
            let title = sorted
                ? TextWidth.fit(column.title, min(TextWidth.width(column.title), widths[index] - 1))
                    + (order.descending ? "▼" : "▲")
                : column.title
            header.append(Span(TextWidth.fit(title, widths[index], alignment: column.alignment),
                               sorted ? .columnHeaderSorted : .columnHeader))
            header.append(Span(" ", .columnHeader))
        }
        frame.set(layout.columnHeaderRow, header, fill: .columnHeader)

        if rows.isEmpty {
            frame.set(layout.firstTableRow, [Span(emptyReason, .dim)])
            return
        }
        for screenRow in 0..<layout.tableRows {
            let index = cursor.scroll + screenRow
            guard rows.indices.contains(index) else { break }
            let row = rows[index]
            let style: Style =
                index == cursor.index ? .highlighted
                : (state.showsAllProcesses && !isExported(row) ? .dim : .normal)
            let cells = columns.enumerated().map { TextWidth.fit($1.text(row), widths[$0], alignment: $1.alignment) }
            frame.set(layout.firstTableRow + screenRow, [Span(cells.joined(separator: " "), style)], fill: style)
        }
    }
}
