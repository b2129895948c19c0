/// A moment `--at` (or the time prompt) names: a fixed instant, or a distance before now.
///
/// Accepted forms: RFC 3339 (`2026-12-07T21:30:00Z`, `2026-12-07 21:30:00.5+01:00`), Unix
/// seconds (`1796678400`, `1796678400.25`), a Prometheus duration before now (`-1h`, `-15m`,
/// `-1h30m`, `2h30m ago`), and `now`.
enum Instant: Equatable, Sendable {
    /// Seconds since the Unix epoch.
    case absolute(Double)
    /// Seconds before the present.
    case ago(Double)

    /// The instant in seconds since the Unix epoch, with `now` the present.
    func resolved(now: Double) -> Double {
        switch self {
        case .absolute(let seconds): seconds
        case .ago(let seconds): now - seconds
        }
    }

    /// Why a text names no instant, in words for an error line.
    struct ParseError: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingBlanks()
        let invalid = ParseError(
            description: "'\(text)' is not a time: expected RFC 3339 (2026-12-07T21:30:00Z), Unix seconds, "
                + "or a duration before now (-1h, -15m, 2h30m ago)")
        if trimmed == "now" {
            self = .ago(0)
        } else if trimmed.hasPrefix("-") {
            guard let seconds = Self.duration(trimmed.dropFirst()) else { throw invalid }
            self = .ago(seconds)
        } else if trimmed.hasSuffix(" ago") {
            guard let seconds = Self.duration(trimmed.dropLast(4).trimmingBlanks()[...]) else { throw invalid }
            self = .ago(seconds)
        } else if trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let seconds = Double(trimmed) {
            self = .absolute(seconds)
        } else if let seconds = Self.rfc3339(Array(trimmed.utf8)) {
            self = .absolute(seconds)
        } else {
            throw invalid
        }
    }

    /// A Prometheus duration (`1h30m`, `90s`, `1.5h` is not one: whole numbers of each unit,
    /// units from largest to smallest), in seconds; nil if it is not one or is zero.
    static func duration(_ text: Substring) -> Double? {
        let units: [(String, Double)] = [
            ("y", 365 * 86_400), ("w", 7 * 86_400), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1), ("ms", 0.001),
        ]
        var rest = text
        var total = 0.0
        var lastUnit = -1
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 12, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            // "ms" before "m": the longest unit name that matches.
            guard let index = units.indices.filter({ rest.hasPrefix(units[$0].0) }).max(by: { units[$0].0.count < units[$1].0.count }),
                index > lastUnit
            else { return nil }
            rest = rest.dropFirst(units[index].0.count)
            total += value * units[index].1
            lastUnit = index
        }
        return lastUnit >= 0 && total > 0 ? total : nil
    }

    /// `YYYY-MM-DD[T ]hh:mm:ss[.fraction](Z|±hh:mm)`, in seconds since the epoch.
    private static func rfc3339(_ bytes: [UInt8]) -> Double? {
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func byte(_ index: Int, _ allowed: String) -> Bool {
            index < bytes.count && allowed.utf8.contains(bytes[index])
        }
        guard let year = number(0..<4), byte(4, "-"), let month = number(5..<7), byte(7, "-"), let day = number(8..<10),
            byte(10, "Tt "), let hour = number(11..<13), byte(13, ":"), let minute = number(14..<16), byte(16, ":"),
            let second = number(17..<19),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
            second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if byte(index, ".") {
            var scale = 0.1
            index += 1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        if byte(index, "Zz"), index + 1 == bytes.count {
            offset = 0
        } else if byte(index, "+-"), index + 6 == bytes.count, let hours = number((index + 1)..<(index + 3)),
            byte(index + 3, ":"), let minutes = number((index + 4)..<(index + 6)), hours < 24, minutes < 60
        {
            offset = (bytes[index] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm, as `DetailsView.utc`
    /// uses the other way).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingBlanks() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
