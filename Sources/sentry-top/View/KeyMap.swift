/// A key press or mouse click, as the terminal reports it.
enum Key: Hashable, Sendable {
    case character(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace
    case function(Int)
    /// A click of the first button, at a screen position.
    case click(row: Int, column: Int)
    case resize
}

/// Which key does what: the one table that both handles keys and writes the help screen.
enum KeyMap {
    struct Binding {
        /// The keys as the help screen names them.
        var keys: String
        var help: String
        var matches: [Key]
        var action: TopAction
    }

    static let bindings: [Binding] = [
        Binding(keys: "Tab, Right", help: "next tab", matches: [.tab, .right], action: .nextTab),
        Binding(keys: "Shift-Tab, Left", help: "previous tab", matches: [.backTab, .left], action: .previousTab),
        Binding(keys: "1 2 3 4 5", help: "CPU, Memory, IO, Containers, Nodes tab (or click a tab)", matches: [.character("1")],
                action: .selectTab(.cpu)),
        Binding(keys: "Up, Down", help: "move the highlight", matches: [.up], action: .move(-1)),
        Binding(keys: "PgUp, PgDn", help: "move a page", matches: [.pageUp], action: .pageUp),
        Binding(keys: "Home, End", help: "first, last row", matches: [.home], action: .home),
        Binding(keys: "F6", help: "choose the sort column (or click a column title)", matches: [.function(6)],
                action: .openSortChooser),
        Binding(keys: "< >", help: "sort by the column to the left, right", matches: [.character("<")],
                action: .sortByNeighbour(-1)),
        Binding(keys: "I", help: "invert the sort order", matches: [.character("I")], action: .reverseSort),
        Binding(keys: "/", help: "filter by name, user or container ID", matches: [.character("/")], action: .startFilter),
        Binding(keys: "Esc", help: "clear the filter, leave a container, close a window", matches: [.escape],
                action: .cancel),
        Binding(keys: "a", help: "exported set only / all processes", matches: [.character("a")],
                action: .toggleAllProcesses),
        Binding(keys: "Enter", help: "details of the process; processes of the container", matches: [.enter],
                action: .activate),
        Binding(keys: "k", help: "send a signal (SIGTERM, or choose with s)", matches: [.character("k")],
                action: .signalHighlighted),
        Binding(keys: "[ ]", help: "Prometheus: one step back, forward in time", matches: [.character("[")],
                action: .stepTime(-1)),
        Binding(keys: "{ }", help: "Prometheus: ten steps back, forward", matches: [.character("{")], action: .stepTime(-10)),
        Binding(keys: "t", help: "Prometheus: go to a time (RFC 3339, -1h, ...)", matches: [.character("t")],
                action: .startTimeEntry),
        Binding(keys: "n", help: "Prometheus: back to now (live)", matches: [.character("n")], action: .returnToLive),
        Binding(keys: "Space", help: "pause or resume refreshing", matches: [.character(" ")], action: .togglePause),
        Binding(keys: "+ -", help: "refresh less or more often", matches: [.character("+")], action: .slowerRefresh),
        Binding(keys: "h, ?, F1", help: "this help", matches: [.character("h"), .character("?"), .function(1)],
                action: .showHelp),
        Binding(keys: "q, F10", help: "quit", matches: [.character("q"), .function(10)], action: .quit),
    ]

    /// Keys that share a help line with another binding.
    private static let companions: [Key: TopAction] = [
        .character("2"): .selectTab(.memory), .character("3"): .selectTab(.io), .character("4"): .selectTab(.containers),
        .character("5"): .selectTab(.nodes), .character("]"): .stepTime(1), .character("}"): .stepTime(10),
        .down: .move(1), .pageDown: .pageDown, .end: .end, .character(">"): .sortByNeighbour(1),
        .character("-"): .fasterRefresh, .character("="): .slowerRefresh,
    ]

    /// The action for `key` in the current mode, or nil if the key does nothing there.
    static func action(for key: Key, state: TopState, layout: TopLayout) -> TopAction? {
        if state.isEditingTime {
            switch key {
            case .character(let character) where !character.isNewline: return .typeTime(character)
            case .backspace: return .deleteTimeCharacter
            case .enter: return .finishTimeEntry
            case .escape: return .cancel
            default: return nil
            }
        }
        if state.isEditingFilter {
            switch key {
            case .character(let character) where !character.isNewline: return .typeFilter(character)
            case .backspace: return .deleteFilterCharacter
            case .enter, .down, .up, .tab: return .finishFilter
            case .escape: return .cancel
            default: return nil
            }
        }
        if let overlay = state.overlay {
            switch key {
            case .up: return .move(-1)
            case .down: return .move(1)
            case .enter, .character("y"): return .activate
            case .escape, .character("n"): return .cancel
            case .character("s") where overlayIsConfirmation(overlay): return .chooseSignal
            case .character("q"), .function(10): return overlay == .help ? .cancel : .quit
            default: return overlay == .help ? .cancel : nil
            }
        }
        if case .click(let row, let column) = key {
            return layout.action(atRow: row, column: column)
        }
        if let action = companions[key] { return action }
        return bindings.first { $0.matches.contains(key) }?.action
    }

    private static func overlayIsConfirmation(_ overlay: Overlay) -> Bool {
        if case .confirmSignal = overlay { return true }
        return false
    }
}
