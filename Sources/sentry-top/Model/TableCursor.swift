/// The highlighted row of a table and the first row on screen, kept on the same item
/// (by identity) when a refresh reorders the rows.
struct TableCursor<ID: Hashable & Sendable>: Equatable, Sendable {
    /// Index of the highlighted row among the visible rows.
    private(set) var index = 0
    /// The highlighted item; followed across refreshes.
    private(set) var id: ID?
    /// Index of the first row on screen.
    private(set) var scroll = 0

    /// Re-finds the highlighted item among `ids` (the visible rows, in order). If it is gone,
    /// the highlight stays at the same position, on whatever row is there now.
    mutating func reconcile(with ids: [ID], viewport: Int) {
        if let id, let found = ids.firstIndex(of: id) {
            index = found
        } else {
            index = ids.isEmpty ? 0 : min(index, ids.count - 1)
            id = ids.isEmpty ? nil : ids[index]
        }
        keepVisible(count: ids.count, viewport: viewport)
    }

    /// Moves the highlight by `delta` rows (negative is up), clamped to the table.
    mutating func move(by delta: Int, in ids: [ID], viewport: Int) {
        guard !ids.isEmpty else { return }
        index = min(max(index + delta, 0), ids.count - 1)
        id = ids[index]
        keepVisible(count: ids.count, viewport: viewport)
    }

    /// Highlights row `target` (clamped).
    mutating func select(_ target: Int, in ids: [ID], viewport: Int) {
        move(by: target - index, in: ids, viewport: viewport)
    }

    /// Scrolls so the highlighted row is on screen.
    private mutating func keepVisible(count: Int, viewport: Int) {
        let rows = max(viewport, 1)
        if index < scroll { scroll = index }
        if index >= scroll + rows { scroll = index - rows + 1 }
        scroll = max(0, min(scroll, max(count - rows, 0)))
    }
}
