import Foundation
import Testing
import TestSupport

/// The interface follows the terminal's size (SIGWINCH), redrawing everything for the new one.
@Suite("sentry-top end to end: resizing", .timeLimit(.minutes(3)))
struct ResizeTests {
    @Test("Shrinking to 80x24 and growing back to 100x30 redraws each layout in full, with no leftovers")
    func redrawsAtEachSize() async throws {
        let top = try await InteractiveTop.start(["-d", "0.5"], width: 100, height: 30)
        defer { top.close() }
        try await expectLayout(width: 100, height: 30, top)

        try await top.tmux.resize(width: 80, height: 24)
        try await expectLayout(width: 80, height: 24, top)

        try await top.tmux.resize(width: 100, height: 30)
        try await expectLayout(width: 100, height: 30, top)
        #expect(top.isRunning)
    }

    /// Waits for a screen drawn for exactly `width` × `height`; fails with the problems of the last one.
    private func expectLayout(width: Int, height: Int, _ top: InteractiveTop) async throws {
        var problems: [String] = []
        do {
            _ = try await top.waitForScreen("a full redraw at \(width)x\(height)") { screen -> Bool? in
                problems = Self.layoutProblems(screen, width: width, height: height)
                return problems.isEmpty ? true : nil
            }
        } catch {
            throw HarnessError("layout problems \(problems): \(error)")
        }
    }

    /// Everything about `screen` that a frame drawn for `width` × `height` would not show.
    static func layoutProblems(_ screen: Screen, width: Int, height: Int) -> [String] {
        var problems: [String] = []
        let lines = screen.lines
        if lines.count != height { problems.append("\(lines.count) rows, not \(height)") }
        // Header bars span the width exactly: `Mem[…]` from column 0, `Swp[…]` from the middle,
        // the last `]` in the last-but-one column (the bar leaves one space after it).
        guard let memory = lines.firstIndex(where: { $0.hasPrefix("Mem[") }) else {
            return problems + ["no Mem[ bar at column 0"]
        }
        for line in lines[...memory] {
            if line.count != width - 1 || !line.hasSuffix("]") { problems.append("bar line not \(width) wide: \(line)") }
        }
        let swap = lines[memory].range(of: "Swp[").map { lines[memory].distance(from: lines[memory].startIndex, to: $0.lowerBound) }
        if swap != width / 2 { problems.append("Swp[ at column \(String(describing: swap)), not \(width / 2)") }
        // The table: titles two rows below the tabs, then only well-formed rows, then blank rows.
        guard let header = screen.processHeaderIndex else { return problems + ["no column titles"] }
        if header != memory + 4 { problems.append("column titles on row \(header), not \(memory + 4)") }
        if lines[header].range(of: "NAME").map({ lines[header].distance(from: lines[header].startIndex, to: $0.lowerBound) })
            != ProcessLine.nameColumn
        {
            problems.append("NAME not at column \(ProcessLine.nameColumn): \(lines[header])")
        }
        let rows = screen.processRows
        if rows.isEmpty || rows.contains(where: { $0 == nil }) { problems.append("garbage among the rows") }
        if rows.count > height - header - 2 { problems.append("\(rows.count) rows do not fit") }
        if !screen.statusLine.hasPrefix("F1Help") { problems.append("status line: \(screen.statusLine)") }
        return problems
    }
}
