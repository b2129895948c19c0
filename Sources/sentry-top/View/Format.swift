import SentryCore

/// How numbers look on screen: short, fixed-width-friendly, human units.
enum Format {
    /// What a value the source does not have shows as.
    static let notAvailable = "n/a"

    /// `12.3`; whole numbers from 100 up (`250`); n/a when missing.
    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return notAvailable }
        if value >= 99.95 { return String(integer(value.rounded())) }
        return fixed(value, fractionDigits: 1)
    }

    /// Bytes in binary units: `0`, `512B`, `9.5K`, `120M`, `1.2G`; n/a when missing.
    static func bytes(_ value: UInt64?) -> String {
        guard let value else { return notAvailable }
        return bytes(Double(value))
    }

    static func bytes(_ value: Double?) -> String {
        guard let value, value.isFinite, value >= 0 else { return notAvailable }
        if value < 0.5 { return "0" }
        if value < 1024 { return "\(integer(value.rounded()))B" }
        var scaled = value
        for unit in ["K", "M", "G", "T", "P"] {
            scaled /= 1024
            if scaled < 1023.5 || unit == "P" {
                return (scaled < 9.95 ? fixed(scaled, fractionDigits: 1) : String(integer(scaled.rounded()))) + unit
            }
        }
        return notAvailable
    }

    /// The Top N lists a process is in, as three letters: `CMI`, `C--`, `-M-`, `---`; `hld` for
    /// one exported while held in none.
    static func lists(_ ranks: TopRanks, isHeld: Bool = false) -> String {
        if isHeld { return "hld" }
        return (ranks.cpu == nil ? "-" : "C") + (ranks.memory == nil ? "-" : "M") + (ranks.io == nil ? "-" : "I")
    }

    /// Orders processes by how many lists they are in, then by their best rank.
    static func listScore(_ ranks: TopRanks) -> Double {
        let positions = TopList.allCases.compactMap { ranks[$0] }
        guard let best = positions.min() else { return 0 }
        return Double(positions.count) * 1_000_000 - Double(best)
    }

    /// `3d 04:05:06` or `04:05:06`.
    static func duration(seconds: Double) -> String {
        let total = seconds.isFinite ? integer(max(seconds, 0)) : 0
        let days = total / 86_400
        let clock = "\(twoDigits(total / 3600 % 24)):\(twoDigits(total / 60 % 60)):\(twoDigits(total % 60))"
        return days > 0 ? "\(days)d \(clock)" : clock
    }

    /// A span of time in its two largest units: `45s`, `15m 0s`, `2h 30m`, `3d 4h`.
    static func age(seconds: Double) -> String {
        let total = seconds.isFinite ? integer(max(seconds.rounded(), 0)) : 0
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(total % 60)s" }
        if total < 86_400 { return "\(total / 3600)h \(total / 60 % 60)m" }
        return "\(total / 86_400)d \(total / 3600 % 24)h"
    }

    /// `value` with exactly `fractionDigits` digits after the point (no Foundation formatter).
    static func fixed(_ value: Double, fractionDigits: Int) -> String {
        var scale = 1.0
        for _ in 0..<fractionDigits { scale *= 10 }
        let scaled = integer((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = scaled % Int(scale)
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
        if fractionDigits > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: fractionDigits - digits.count) + digits
        }
        return text
    }

    /// `Int(value)` clamped to `Int`'s range: an exporter may send any finite number, and
    /// `Int(_:)` traps beyond the range (found by fuzzing attach mode with `1e300`).
    private static func integer(_ value: Double) -> Int {
        guard value.isFinite else { return 0 }
        if value >= 9.2e18 { return Int.max }
        if value <= -9.2e18 { return Int.min }
        return Int(value)
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }
}
