/// Terminal column widths of text, independent of the process locale.
///
/// Process names are arbitrary: CJK characters take two columns, combining marks none, and a
/// newline or escape in a name must not reach the terminal. glibc's `wcwidth` depends on the
/// locale (and answers -1 for everything outside ASCII in the C locale tests run in), so the
/// few ranges that matter are listed here.
enum TextWidth {
    /// Columns `scalar` occupies: 0, 1 or 2.
    static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value == 0x200B || (0x0300...0x036F).contains(value) || (0x1AB0...0x1AFF).contains(value)
            || (0x20D0...0x20FF).contains(value) || (0xFE00...0xFE0F).contains(value) || (0xFE20...0xFE2F).contains(value)
        {
            return 0
        }
        if (0x1100...0x115F).contains(value) || (0x2E80...0x303E).contains(value) || (0x3041...0x33FF).contains(value)
            || (0x3400...0x4DBF).contains(value) || (0x4E00...0x9FFF).contains(value) || (0xA000...0xA4CF).contains(value)
            || (0xAC00...0xD7A3).contains(value) || (0xF900...0xFAFF).contains(value) || (0xFE30...0xFE4F).contains(value)
            || (0xFF00...0xFF60).contains(value) || (0xFFE0...0xFFE6).contains(value) || (0x1F300...0x1F64F).contains(value)
            || (0x1F900...0x1F9FF).contains(value) || (0x20000...0x3FFFD).contains(value)
        {
            return 2
        }
        return 1
    }

    /// `text` made safe to print: control characters (newline, escape, DEL, C1) become `?`.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { result.append(isControl(scalar) ? "?" : scalar) }
        return String(result)
    }

    /// Columns `text` occupies once printable.
    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + (isControl($1) ? 1 : of($1)) }
    }

    /// `text`, printable, cut or padded with spaces to exactly `columns` columns. A wide
    /// character that would straddle the edge is replaced by a space.
    static func fit(_ text: String, _ columns: Int, alignment: Alignment = .left) -> String {
        guard columns > 0 else { return "" }
        var result = String.UnicodeScalarView()
        var used = 0
        for scalar in printable(text).unicodeScalars {
            let width = of(scalar)
            if used + width > columns { break }
            result.append(scalar)
            used += width
        }
        let padding = String(repeating: " ", count: columns - used)
        return alignment == .left ? String(result) + padding : padding + String(result)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}

/// Which side of its cell text keeps to.
enum Alignment: Sendable {
    case left, right
}
