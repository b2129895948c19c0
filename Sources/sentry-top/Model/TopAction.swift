/// Everything a key or click can ask for.
enum TopAction: Equatable, Sendable {
    case nextTab, previousTab
    case selectTab(Tab)
    /// Moves the highlight (or an overlay's list) by rows; negative is up.
    case move(Int)
    case pageUp, pageDown, home, end
    /// Highlights the row at this line of the table on screen (a mouse click).
    case highlightRow(Int)
    /// Sorts by a column; on the column already sorted by, reverses the order (a header click).
    case sortBy(column: Int)
    /// Moves the sort column left or right (`<`, `>`).
    case sortByNeighbour(Int)
    case reverseSort
    case openSortChooser
    case startFilter
    case typeFilter(Character)
    case deleteFilterCharacter
    case finishFilter
    case toggleAllProcesses
    /// Enter: details of a process, processes of a container, or confirming an overlay.
    case activate
    case signalHighlighted
    /// In the signal confirmation: choose another signal.
    case chooseSignal
    /// Esc: close the overlay, clear the filter, or leave a container.
    case cancel
    /// From Prometheus: moves the instant shown by steps of the timeline (negative: back).
    case stepTime(Int)
    /// Opens the time prompt (`t`).
    case startTimeEntry
    case typeTime(Character)
    case deleteTimeCharacter
    /// Enter in the time prompt: go to the time typed.
    case finishTimeEntry
    /// Shows now again, refreshed on the interval.
    case returnToLive
    case togglePause
    case fasterRefresh, slowerRefresh
    case showHelp
    case quit
}

/// What the program must do after the state handled an action.
enum Reaction: Equatable, Sendable {
    /// Only redraw.
    case redraw
    /// Refresh the data now (the interval or the view changed).
    case refresh
    /// Read the details of this process for the details window.
    case loadDetails(pid: Int32)
    /// Show the frame at this instant (resolved against the clock), then refresh.
    case jump(Instant)
    /// Send a signal, after the user confirmed it for this process.
    case sendSignal(ProcessRow, SignalChoice)
    case quit
}
