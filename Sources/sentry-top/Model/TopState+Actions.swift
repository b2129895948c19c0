/// The refresh intervals `+` and `-` step through, in seconds.
private let delaySteps: [Double] = [0.5, 1, 1.5, 2, 3, 5, 10, 15, 30, 60]

extension TopState {
    /// Applies one action against the rows currently shown, and says what must happen next.
    mutating func apply(_ action: TopAction, data: TopData) -> Reaction {
        message = nil
        if let overlay { return applyInOverlay(overlay, action, data: data) }
        let neededEveryProcess = needsEveryProcess
        let processIDs = visibleProcesses(in: data).map(\.id)
        let containerIDs = visibleContainers(in: data).map(\.id)
        let nodeIDs = visibleNodes(in: data).map(\.id)
        func moveCursor(_ delta: Int) {
            if tab == .containers {
                containerCursor.move(by: delta, in: containerIDs, viewport: viewportRows)
            } else if tab == .nodes {
                nodeCursor.move(by: delta, in: nodeIDs, viewport: viewportRows)
            } else {
                processCursor.move(by: delta, in: processIDs, viewport: viewportRows)
            }
        }

        switch action {
        case .nextTab:
            switchTab(to: tabs[((tabs.firstIndex(of: tab) ?? 0) + 1) % tabs.count])
        case .previousTab:
            switchTab(to: tabs[((tabs.firstIndex(of: tab) ?? 0) + tabs.count - 1) % tabs.count])
        case .selectTab(let target):
            guard tabs.contains(target) else { return .redraw }
            switchTab(to: target)
        case .move(let delta):
            moveCursor(delta)
        case .pageUp:
            moveCursor(-max(viewportRows - 1, 1))
        case .pageDown:
            moveCursor(max(viewportRows - 1, 1))
        case .home:
            moveCursor(-Int.max / 2)
        case .end:
            moveCursor(Int.max / 2)
        case .highlightRow(let screenRow):
            if tab == .containers {
                containerCursor.select(containerCursor.scroll + screenRow, in: containerIDs, viewport: viewportRows)
            } else if tab == .nodes {
                nodeCursor.select(nodeCursor.scroll + screenRow, in: nodeIDs, viewport: viewportRows)
            } else {
                processCursor.select(processCursor.scroll + screenRow, in: processIDs, viewport: viewportRows)
            }
        case .sortBy(let column):
            let columns = columnCount
            guard (0..<columns).contains(column) else { return .redraw }
            if sortOrder.column == column {
                sortOrder.descending.toggle()
            } else {
                sortOrder = SortOrder(column: column, descending: sortsDescending(column))
            }
        case .sortByNeighbour(let step):
            let current = sortOrder.column ?? tab.compositeKey.columns[0]
            let next = min(max(current + step, 0), columnCount - 1)
            sortOrder = SortOrder(column: next, descending: sortsDescending(next))
        case .reverseSort:
            sortOrder.descending.toggle()
        case .openSortChooser:
            overlay = .sortChooser(highlighted: sortOrder.column ?? tab.compositeKey.columns[0])
        case .startFilter:
            isEditingFilter = true
        case .typeFilter(let character):
            filter.append(character)
        case .deleteFilterCharacter:
            if !filter.isEmpty { filter.removeLast() }
        case .finishFilter:
            isEditingFilter = false
        case .toggleAllProcesses:
            showsAllProcesses.toggle()
        case .activate:
            if tab == .nodes {
                guard let id = nodeCursor.id, nodeIDs.contains(id) else { return .redraw }
                openNode(id)
                return .refresh
            } else if tab == .containers {
                guard let id = containerCursor.id, containerIDs.contains(id) else { return .redraw }
                containerFocus = id
                tab = .cpu
            } else if let row = highlightedProcess(in: data) {
                overlay = .details(row)
                return .loadDetails(pid: row.pid)
            }
        case .signalHighlighted:
            guard isLocal else {
                message = "Signals can only be sent to local processes (attach mode reads another exporter)."
                return .redraw
            }
            guard let row = highlightedProcess(in: data) else { return .redraw }
            overlay = .confirmSignal(row, SignalChoice.all[0])
        case .chooseSignal:
            break
        case .cancel:
            if isEditingTime {
                isEditingTime = false
            } else if isEditingFilter || !filter.isEmpty {
                filter = ""
                isEditingFilter = false
            } else if containerFocus != nil {
                containerFocus = nil
                tab = .containers
            } else if node != nil {
                node = nil
                tab = .nodes
                return .refresh
            }
        case .stepTime(let steps):
            guard var timeline else { return historyUnavailable() }
            guard let base = timeline.instant ?? data.header.instant else {
                message = "No frame yet to step from."
                return .redraw
            }
            let target = base + Double(steps) * timeline.step
            timeline.instant = data.header.fetchTime.map { target < $0 } ?? true ? target : nil
            self.timeline = timeline
            return .refresh
        case .startTimeEntry:
            guard timeline != nil else { return historyUnavailable() }
            isEditingTime = true
            timeInput = ""
        case .typeTime(let character):
            timeInput.append(character)
        case .deleteTimeCharacter:
            if !timeInput.isEmpty { timeInput.removeLast() }
        case .finishTimeEntry:
            isEditingTime = false
            guard !timeInput.isEmpty else { return .redraw }
            do {
                return .jump(try Instant(parsing: timeInput))
            } catch {
                message = error.description
            }
        case .returnToLive:
            guard timeline != nil else { return historyUnavailable() }
            timeline?.instant = nil
            return .refresh
        case .togglePause:
            isPaused.toggle()
            return isPaused ? .redraw : .refresh
        case .fasterRefresh:
            delay = delaySteps.last { $0 < delay } ?? delaySteps[0]
            return .refresh
        case .slowerRefresh:
            delay = delaySteps.first { $0 > delay } ?? delaySteps[delaySteps.count - 1]
            return .refresh
        case .showHelp:
            overlay = .help
        case .quit:
            return .quit
        }
        reconcile(with: data)
        if isLocal, needsEveryProcess, !neededEveryProcess {
            // The data holds the exported rows only: the others come with a refresh.
            guard !isPaused else {
                message = "Paused: the processes outside the exported set appear when refreshing resumes (Space)."
                return .redraw
            }
            return .refresh
        }
        return .redraw
    }

    private mutating func applyInOverlay(_ overlay: Overlay, _ action: TopAction, data: TopData) -> Reaction {
        switch (overlay, action) {
        case (_, .quit):
            return .quit
        case (.sortChooser(let highlighted), .move(let delta)):
            self.overlay = .sortChooser(highlighted: min(max(highlighted + delta, 0), columnCount - 1))
        case (.sortChooser(let highlighted), .activate):
            sortOrder = SortOrder(column: highlighted, descending: sortsDescending(highlighted))
            self.overlay = nil
            reconcile(with: data)
        case (.confirmSignal(let row, _), .chooseSignal):
            self.overlay = .signalChooser(row, highlighted: 0)
        case (.confirmSignal(let row, let signal), .activate):
            self.overlay = nil
            return .sendSignal(row, signal)
        case (.signalChooser(let row, let highlighted), .move(let delta)):
            self.overlay = .signalChooser(row, highlighted: min(max(highlighted + delta, 0), SignalChoice.all.count - 1))
        case (.signalChooser(let row, let highlighted), .activate):
            self.overlay = .confirmSignal(row, SignalChoice.all[highlighted])
        case (_, .cancel), (.help, _), (.details, .activate):
            self.overlay = nil
        default:
            break
        }
        return .redraw
    }

    private mutating func switchTab(to target: Tab) {
        tab = target
        isEditingFilter = false
    }

    /// Shows the frame at `instant`, or now (live) if that is not in the past.
    mutating func show(_ instant: Instant, now: Double) {
        guard timeline != nil else { return }
        let seconds = instant.resolved(now: now)
        timeline?.instant = seconds < now ? seconds : nil
    }

    /// Shows the processes of `instance` (from the Nodes tab).
    mutating func openNode(_ instance: String) {
        node = instance
        containerFocus = nil
        filter = ""
        tab = .cpu
    }

    private mutating func historyUnavailable() -> Reaction {
        message = "History needs --prometheus: this source has only the present."
        return .redraw
    }

    /// The current tab's columns.
    var columnShape: ColumnShape { ColumnShape(tab: tab, isFleet: showsFleet) }

    private var columnCount: Int { columnShape.titles.count }

    private func sortsDescending(_ column: Int) -> Bool { columnShape.sortsDescending[column] }
}
