import Foundation
import Testing
import TestSupport

/// Keys typed into the real interface in a terminal: tabs, sort, filter.
@Suite("sentry-top end to end: keys", .timeLimit(.minutes(3)))
struct InteractiveKeyTests {
    /// The status line while a filter is typed.
    static let filterPrompt = "Filter (name, user, container):"

    @Test("1 to 4, Tab and Shift-Tab switch tabs, wrapping around")
    func keysSwitchTabs() async throws {
        let top = try await InteractiveTop.start(["-d", "0.5"])
        defer { top.close() }
        try await expectTab("CPU", top)
        // (keys, tab expected after them): digits jump, Tab and Shift-Tab (BTab) step and wrap.
        let steps: [([String], String)] = [
            (["2"], "Memory"), (["3"], "IO"), (["4"], "Containers"), (["1"], "CPU"),
            (["Tab"], "Memory"), (["Tab"], "IO"), (["BTab"], "Memory"), (["BTab"], "CPU"),
            (["BTab"], "Containers"), (["Tab"], "CPU"),
        ]
        for (keys, tab) in steps {
            for key in keys { try await top.tmux.press(key) }
            try await expectTab(tab, top, after: keys)
        }

        // The CPU tab sorts by own plus children's CPU, the IO tab by read plus write: both
        // titles carry the marker, even the ones (CHLD%, WRITE/s) whose title fills its column.
        _ = try await top.waitForScreen("CPU% and CHLD% both marked on the CPU tab") { screen -> Bool? in
            screen.sortMarkers.map(\.title) == ["CPU%", "CHLD"] && screen.sortMarkers.allSatisfy(\.descending) ? true : nil
        }
        try await top.tmux.press("3")
        _ = try await top.waitForScreen("READ/s and WRITE/s both marked on the IO tab") { screen -> Bool? in
            let marked = screen.sortMarkers
            return marked.count == 2 && marked[0].title == "READ/s" && marked[1].title.hasPrefix("WRITE")
                && marked.allSatisfy(\.descending) ? true : nil
        }
    }

    @Test("< and > move the sort column (▲/▼ follows), I reverses it, and the rows reorder")
    func keysChangeTheSort() async throws {
        let top = try await InteractiveTop.start(["-d", "0.5"])
        defer { top.close() }

        // From CPU% with CHLD% (descending), < moves left to USER, then PID, both A to Z.
        try await top.tmux.press("<")
        try await expectSort("USER", descending: false, top) { _ in true }
        try await top.tmux.press("<")
        try await expectSort("PID", descending: false, top) { pids in pids == pids.sorted() }
        try await top.tmux.press("I")
        try await expectSort("PID", descending: true, top) { pids in pids == pids.sorted(by: >) }

        // > moves right again: USER, CPU%, CHLD%, then RSS, largest first.
        for _ in 0..<4 { try await top.tmux.press(">") }
        let rss = try await top.waitForScreen("RSS▼ with rows by RSS, largest first") { screen -> [Double]? in
            guard screen.sortMarkers.map(\.title) == ["RSS"], screen.sortMarkers.first?.descending == true else { return nil }
            let sizes = screen.processRows.map { $0?.rssBytes ?? -1 }
            return sizes.count >= 3 && sizes == sizes.sorted(by: >) ? sizes : nil
        }
        try await top.tmux.press("I")
        _ = try await top.waitForScreen("RSS▲ with rows by RSS, smallest first") { screen -> Bool? in
            guard screen.sortMarkers.map(\.title) == ["RSS"], screen.sortMarkers.first?.descending == false else { return nil }
            let sizes = screen.processRows.map { $0?.rssBytes ?? -1 }
            // Reordered, not merely re-marked: the largest shown before is no longer first.
            return sizes.count >= 3 && sizes == sizes.sorted() && sizes.first! < rss.first! ? true : nil
        }
    }

    @Test("/ and text keep only the matching rows (case-insensitive, kept after Enter); Esc brings every row back")
    func slashFiltersAndEscapeClears() async throws {
        // Two processes with names of their own, sharing a token no other process has.
        let token = String(UUID().uuidString.prefix(6)).lowercased()
        let wanted = try await Workload.memoryHolder(mebibytes: 32, name: Array("flt\(token)".utf8))
        defer { wanted.kill() }
        let other = try await Workload.memoryHolder(mebibytes: 32, name: Array("oth\(token)".utf8))
        defer { other.kill() }
        let top = try await InteractiveTop.start(["-d", "0.5"])
        defer { top.close() }

        try await top.tmux.press("/")
        let typed = "FLT\(token.uppercased())"
        try await top.tmux.type(typed)
        // The whole text on the prompt first: a prefix of it may already match only one row.
        let one = try await top.waitForScreen("only flt\(token) left while typing") { screen -> Screen? in
            screen.statusLine.hasSuffix(Self.filterPrompt + " " + typed) && screen.pids == [wanted.pid] ? screen : nil
        }
        #expect(one.processRows.first??.name == "flt\(token)", "\(one)")

        try await top.tmux.press("Escape")
        try await expectUnfiltered(top, "after Esc")

        // The shared token keeps both; Enter closes the prompt and keeps the filter.
        try await top.tmux.press("/")
        try await top.tmux.type(token)
        try await top.tmux.press("Enter")
        let both = try await top.waitForScreen("both token rows, prompt closed") { screen -> Screen? in
            !screen.statusLine.contains(Self.filterPrompt) && Set(screen.pids ?? []) == [wanted.pid, other.pid]
                && screen.pids?.count == 2 ? screen : nil
        }
        #expect(both.text.contains("filter \"\(token)\""), "the tab bar does not show the filter:\n\(both)")

        try await top.tmux.press("Escape")
        try await expectUnfiltered(top, "after Esc on a kept filter")
    }

    @Test("a shows every process at once, though rows beyond the exported set are built only on demand")
    func allProcessesAppearAtOnce() async throws {
        // N = 1: at most three rows exported; the refresh after the first comes a minute later,
        // so the rows that follow `a` come from the refresh it asks for.
        let top = try await InteractiveTop.start(["-d", "60", "--top-n", "1"])
        defer { top.close() }
        _ = try await top.waitForScreen("the exported set, three rows at most") { screen -> Bool? in
            guard let pids = screen.pids, !pids.isEmpty, pids.count <= 3, screen.text.contains("exported set") else { return nil }
            return true
        }
        try await Task.sleep(for: .seconds(2))  // past the second refresh, 0.5 s after the first
        try await top.tmux.press("a")
        _ = try await top.waitForScreen(timeout: .seconds(10), "every process after a") { screen -> Bool? in
            guard let pids = screen.pids, pids.count > 3, screen.text.contains("all processes") else { return nil }
            return true
        }
    }

    /// Waits for the table without a filter: no prompt, no filter on the tab bar, and rows of
    /// processes other than the test's own (every exported process, so more than two).
    private func expectUnfiltered(_ top: InteractiveTop, _ when: String) async throws {
        _ = try await top.waitForScreen("every row back \(when)") { screen -> Bool? in
            guard !screen.statusLine.contains(Self.filterPrompt), !screen.text.contains("filter \""),
                let pids = screen.pids, pids.count > 2
            else { return nil }
            return true
        }
    }

    private func expectTab(
        _ tab: String, _ top: InteractiveTop, after keys: [String] = []
    ) async throws {
        _ = try await top.waitForScreen("the \(tab) tab after \(keys)") { $0.tabByInitialSort == tab ? true : nil }
    }

    /// Waits for the marker on `title` and for the row PIDs to satisfy `order`.
    private func expectSort(
        _ title: String, descending: Bool, _ top: InteractiveTop, order: @escaping ([Int32]) -> Bool
    ) async throws {
        let marker = title + (descending ? "▼" : "▲")
        _ = try await top.waitForScreen("\(marker) with rows in that order") { screen -> Bool? in
            guard screen.sortMarkers.map(\.title) == [title], screen.sortMarkers.first?.descending == descending,
                let pids = screen.pids, pids.count >= 3
            else { return nil }
            return order(pids) ? true : nil
        }
    }
}
