/// How a piece of text is drawn; the terminal maps these to colours and attributes.
enum Style: Equatable, Sendable {
    case normal, dim, bold
    case title
    case tabActive, tabInactive
    case columnHeader, columnHeaderSorted
    case highlighted
    /// A process Prometheus receives, in "all processes" mode.
    case exported
    case barLow, barMedium, barHigh
    case statusKey, statusText
    case error
    case window, windowTitle
}

/// A run of text in one style.
struct Span: Equatable, Sendable {
    var text: String
    var style: Style

    init(_ text: String, _ style: Style = .normal) {
        self.text = text
        self.style = style
    }
}

/// One screen's content, as plain values: what the terminal draws, and what tests read.
///
/// Each line's spans add up to exactly `width` columns, so drawing a frame overwrites the
/// whole screen and leaves nothing from the previous one.
struct Frame: Equatable, Sendable {
    var width: Int
    var height: Int
    var lines: [[Span]]
    /// Where the cursor is left (the filter prompt while typing), or nil to hide it.
    var cursor: (row: Int, column: Int)?

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        lines = Array(repeating: [Span(String(repeating: " ", count: width))], count: height)
    }

    /// Replaces line `row` with `spans`, cut or padded to the frame's width.
    mutating func set(_ row: Int, _ spans: [Span], fill: Style = .normal) {
        guard lines.indices.contains(row) else { return }
        var fitted: [Span] = []
        var used = 0
        for span in spans where used < width {
            let text = TextWidth.fit(span.text, min(TextWidth.width(span.text), width - used))
            fitted.append(Span(text, span.style))
            used += TextWidth.width(text)
        }
        if used < width { fitted.append(Span(String(repeating: " ", count: width - used), fill)) }
        lines[row] = fitted
    }

    /// The text of line `row` without styles.
    func text(of row: Int) -> String {
        lines[row].map(\.text).joined()
    }

    /// The whole frame as text, one line per row (what a test or a screenshot reads).
    var text: String {
        lines.indices.map { text(of: $0) }.joined(separator: "\n")
    }

    static func == (lhs: Frame, rhs: Frame) -> Bool {
        lhs.width == rhs.width && lhs.height == rhs.height && lhs.lines == rhs.lines
            && lhs.cursor?.row == rhs.cursor?.row && lhs.cursor?.column == rhs.cursor?.column
    }
}
