import ArgumentParser

/// A duration flag's value in Prometheus's notation (`500ms`, `15s`, `1m`, `1m30s`, `1h`): `--scan.interval`
/// and the HTTP timeouts.
struct FlagDuration: Equatable, ExpressibleByArgument, CustomStringConvertible {
    let milliseconds: Int

    init(milliseconds: Int) {
        self.milliseconds = milliseconds
    }

    /// Parses one or more `<number><unit>` terms, units `ms`, `s`, `m`, `h`, largest first; the
    /// total must be positive.
    init?(argument: String) {
        var total = 0
        var rest = Substring(argument)
        var previousUnit = Int.max
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let number = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unitText.count)
            let unit: Int
            switch unitText {
            case "ms": unit = 1
            case "s": unit = 1000
            case "m": unit = 60_000
            case "h": unit = 3_600_000
            default: return nil
            }
            guard unit < previousUnit else { return nil }
            previousUnit = unit
            let (product, overflow1) = number.multipliedReportingOverflow(by: unit)
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow1, !overflow2 else { return nil }
            total = sum
        }
        guard total > 0 else { return nil }
        self.init(milliseconds: total)
    }

    var seconds: Double { Double(milliseconds) / 1000 }

    /// The shortest notation that parses back to the same duration.
    var description: String {
        var rest = milliseconds
        var text = ""
        for (unit, symbol) in [(3_600_000, "h"), (60_000, "m"), (1000, "s"), (1, "ms")] where rest >= unit {
            text += "\(rest / unit)\(symbol)"
            rest %= unit
        }
        return text
    }
}
