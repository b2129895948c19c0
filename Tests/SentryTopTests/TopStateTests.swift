import SentryCore
import Testing
@testable import sentry_top

@Suite("The view-model: rows, sort, highlight, filter, tabs")
struct TopStateTests {
    @Test("each process tab starts with the exported set ordered by its own key")
    func tabOrder() {
        var state = TopState(delay: 1.5)
        #expect(state.pids() == [10, 20, 30])  // CPU; java's n/a CPU sorts last
        state.press(.character("2"))
        #expect(state.tab == .memory)
        #expect(state.pids() == [20, 30, 10])
        state.press(.character("3"))
        #expect(state.pids() == [20, 10, 30])  // IO: read + write per second
    }

    @Test("a shows every process, again hides the unexported ones")
    func allProcesses() {
        var state = TopState(delay: 1.5)
        state.press(.character("a"))
        #expect(Set(state.pids()) == [10, 20, 30, 40, 50])
        state.press(.character("a"))
        #expect(state.pids() == [10, 20, 30])
    }

    @Test("opening a view beyond the exported set refreshes, whose rows a refresh builds only then")
    func everyProcessRowsOnDemand() {
        let data = Sample.data
        var state = TopState(delay: 1.5)
        #expect(!state.needsEveryProcess)
        #expect(state.apply(.toggleAllProcesses, data: data) == .refresh)
        #expect(state.needsEveryProcess)
        #expect(state.apply(.toggleAllProcesses, data: data) == .redraw)  // the extra rows just hide
        #expect(!state.needsEveryProcess)

        state.press(.character("4"), .down)
        #expect(state.apply(.activate, data: data) == .refresh)  // a container's processes
        #expect(state.containerFocus == Sample.podID)

        var paused = TopState(delay: 1.5)
        paused.isPaused = true
        #expect(paused.apply(.toggleAllProcesses, data: data) == .redraw)
        #expect(paused.message?.contains("resumes") == true)

        var attached = TopState(delay: 1.5)
        attached.isLocal = false  // an exporter sends nothing beyond the exported set
        #expect(attached.apply(.toggleAllProcesses, data: data) == .redraw)
        #expect(attached.message == nil)
    }

    @Test("every column sorts, largest or A-Z first, and reverses", arguments: ProcessColumns.all.indices)
    func sortByColumn(column: Int) {
        var state = TopState(delay: 1.5)
        state.showsAllProcesses = true
        // Start from another column: choosing the current sort column again would reverse it.
        state.sortOrder = SortOrder(column: (column + 1) % ProcessColumns.all.count, descending: false)
        _ = state.apply(.sortBy(column: column), data: Sample.data)
        let key = ProcessColumns.all[column].key
        let keys = state.visibleProcesses(in: Sample.data).map(key)
        let descending = ProcessColumns.all[column].sortsDescending
        #expect(keys == keys.sorted { descending ? $1 < $0 : $0 < $1 })
        let before = state.pids()
        _ = state.apply(.sortBy(column: column), data: Sample.data)  // the same column again: reversed
        let after = state.pids()
        #expect(state.sortOrder.descending != descending)
        #expect(Set(after) == Set(before))
        let reversedKeys = state.visibleProcesses(in: Sample.data).map(key)
        #expect(reversedKeys == reversedKeys.sorted { descending ? $0 < $1 : $1 < $0 })
    }

    @Test("every container column sorts", arguments: ContainerColumns.all.indices)
    func sortContainers(column: Int) {
        var state = TopState(delay: 1.5)
        state.tab = .containers
        state.sortOrder = SortOrder(column: (column + 1) % ContainerColumns.all.count, descending: false)
        _ = state.apply(.sortBy(column: column), data: Sample.data)
        let keys = state.visibleContainers(in: Sample.data).map(ContainerColumns.all[column].key)
        let descending = ContainerColumns.all[column].sortsDescending
        #expect(keys == keys.sorted { descending ? $1 < $0 : $0 < $1 })
    }

    @Test("< and > move the sort column; I inverts; F6 chooses")
    func sortKeys() {
        var state = TopState(delay: 1.5)
        // From the CPU tab's own order (own plus children's CPU), > moves to CHLD%, right of CPU%.
        state.press(.character(">"))
        #expect(state.sortOrder.column == ProcessColumns.index(of: "CHLD%"))
        state.press(.character("<"), .character("<"))
        #expect(state.sortOrder.column == ProcessColumns.user)
        #expect(state.pids() == [30, 20, 10])  // alice, postgres, root
        state.press(.character("I"))
        #expect(state.sortOrder.descending)
        state.press(.function(6))
        #expect(state.overlay == .sortChooser(highlighted: ProcessColumns.user))
        state.press(.up, .enter)
        #expect(state.overlay == nil)
        #expect(state.sortOrder == SortOrder(column: ProcessColumns.pid, descending: false))
        #expect(state.pids() == [10, 20, 30])
    }

    @Test("the highlight follows the same process when a refresh reorders the rows")
    func stableHighlight() {
        var state = TopState(delay: 1.5)
        var data = Sample.data
        state.reconcile(with: data)
        state.press(.down, data: data)
        #expect(state.highlightedProcess(in: data)?.pid == 20)
        data.processes[1].cpuPercent = 200  // postgres now tops the CPU tab
        state.reconcile(with: data)
        #expect(state.pids(data) == [20, 10, 30])
        #expect(state.highlightedProcess(in: data)?.pid == 20)
        // A reused PID (another start time) is another process: the highlight stays in place.
        data.processes[1].startTime = 2000
        state.reconcile(with: data)
        #expect(state.processCursor.index == 0)
    }

    @Test("navigation keys move and clamp the highlight")
    func navigation() {
        var state = TopState(delay: 1.5)
        state.showsAllProcesses = true
        state.reconcile(with: Sample.data)
        state.press(.end)
        #expect(state.processCursor.index == 4)
        state.press(.down)
        #expect(state.processCursor.index == 4)
        state.press(.home)
        #expect(state.processCursor.index == 0)
        state.press(.pageDown)
        #expect(state.processCursor.index == 4)
        state.press(.pageUp, .up)
        #expect(state.processCursor.index == 0)
    }

    @Test("/ filters by name, user or container ID; Esc clears")
    func filter() {
        var state = TopState(delay: 1.5)
        state.showsAllProcesses = true
        state.press(.character("/"), .character("A"), .character("l"))
        #expect(state.isEditingFilter)
        #expect(state.filter == "Al")
        #expect(Set(state.pids()) == [30, 50])  // user alice, case-insensitive
        state.press(.backspace, .backspace, .character("8"), .character("d"), .enter)
        #expect(!state.isEditingFilter)
        #expect(state.pids() == [20])  // container ID prefix
        state.press(.escape)
        #expect(state.filter.isEmpty)
        #expect(state.pids().count == 5)
    }

    @Test("tabs switch with Tab, Shift-Tab, arrows, digits and clicks")
    func tabs() {
        var state = TopState(delay: 1.5)
        state.press(.tab)
        #expect(state.tab == .memory)
        state.press(.right, .right)
        #expect(state.tab == .containers)
        state.press(.tab)
        #expect(state.tab == .cpu)
        state.press(.backTab)
        #expect(state.tab == .containers)
        state.press(.left)
        #expect(state.tab == .io)
        state.press(.character("1"))
        #expect(state.tab == .cpu)
        let layout = TopLayout(width: 80, height: 24, cpuCount: 2, tab: .cpu)
        let ioSpan = layout.tabSpans.first { $0.tab == .io }!.columns
        state.press(.click(row: layout.tabBarRow, column: ioSpan.lowerBound + 1))
        #expect(state.tab == .io)
    }

    @Test("a click on a column title sorts by it; a second click reverses")
    func headerClicks() {
        var state = TopState(delay: 1.5)
        let layout = TopLayout(width: 80, height: 24, cpuCount: 2, tab: .cpu)
        let nameColumn = layout.columnSpans[ProcessColumns.name].lowerBound + 1
        state.press(.click(row: layout.columnHeaderRow, column: nameColumn))
        #expect(state.sortOrder == SortOrder(column: ProcessColumns.name, descending: false))
        #expect(state.pids() == [10, 30, 20])
        state.press(.click(row: layout.columnHeaderRow, column: nameColumn))
        #expect(state.pids() == [20, 30, 10])
        state.press(.click(row: layout.firstTableRow + 2, column: 3))
        #expect(state.highlightedProcess(in: Sample.data)?.pid == 10)
    }

    @Test("Enter on a container shows its processes; Esc goes back")
    func containerDrillDown() {
        var state = TopState(delay: 1.5)
        state.press(.character("4"))
        #expect(state.visibleContainers(in: Sample.data).map(\.id) == [Sample.dockerID, Sample.podID])
        state.press(.down, .enter)
        #expect(state.containerFocus == Sample.podID)
        #expect(state.tab == .cpu)
        #expect(state.pids() == [30])
        state.press(.escape)
        #expect(state.containerFocus == nil)
        #expect(state.tab == .containers)
    }

    @Test("k asks for confirmation naming the process; s chooses another signal; Enter sends")
    func signals() {
        var state = TopState(delay: 1.5)
        state.reconcile(with: Sample.data)
        state.press(.character("k"))
        guard case .confirmSignal(let row, let signal)? = state.overlay else {
            Issue.record("no confirmation")
            return
        }
        #expect(row.pid == 10)
        #expect(signal.name == "SIGTERM")
        state.press(.character("s"), .down, .enter)
        #expect(state.overlay == .confirmSignal(row, SignalChoice.all[1]))
        let layout = TopLayout(width: 80, height: 24, cpuCount: 2, tab: .cpu)
        let action = KeyMap.action(for: .enter, state: state, layout: layout)!
        #expect(state.apply(action, data: Sample.data) == .sendSignal(row, SignalChoice.all[1]))
        #expect(state.overlay == nil)

        state.press(.character("k"), .escape)
        #expect(state.overlay == nil)
        state.isLocal = false
        state.press(.character("k"))
        #expect(state.overlay == nil)
        #expect(state.message?.contains("local") == true)
    }

    @Test("Space pauses, + and - change the interval, h opens help, q quits")
    func modes() {
        var state = TopState(delay: 1.5)
        state.press(.character(" "))
        #expect(state.isPaused)
        state.press(.character("+"))
        #expect(state.delay == 2)
        state.press(.character("-"), .character("-"))
        #expect(state.delay == 1)
        state.press(.character("h"))
        #expect(state.overlay == .help)
        state.press(.character("x"))
        #expect(state.overlay == nil)
        state.press(.function(1))
        #expect(state.overlay == .help)
        state.press(.escape)
        let layout = TopLayout(width: 80, height: 24, cpuCount: 2, tab: .cpu)
        #expect(KeyMap.action(for: .character("q"), state: state, layout: layout) == .quit)
        #expect(KeyMap.action(for: .function(10), state: state, layout: layout) == .quit)
        #expect(state.apply(.quit, data: Sample.data) == .quit)
    }

    @Test("Enter opens the details of the highlighted process")
    func details() {
        var state = TopState(delay: 1.5)
        state.reconcile(with: Sample.data)
        let layout = TopLayout(width: 80, height: 24, cpuCount: 2, tab: .cpu)
        #expect(state.apply(KeyMap.action(for: .enter, state: state, layout: layout)!, data: Sample.data) == .loadDetails(pid: 10))
        #expect(state.overlay == .details(Sample.data.processes[0]))
        state.press(.escape)
        #expect(state.overlay == nil)
    }
}
