/// Who may enter a Top N list, and how long an exported process keeps its series after it
/// leaves every list: the rules that keep the exported set's churn (new series per hour, what
/// Prometheus pays for) low without losing what really eats the node.
///
/// - Entry: a process enters a list only from its second consecutive scan (`minimumScans`), so
///   a process alive at one scan only (a compiler, a short child) never exports a single,
///   useless sample; its CPU still counts, in its parent's children's CPU and in the totals. A
///   new steady hog is exported at its second scan. At its first it still takes its place in
///   the ranking, unexported, so that it does not let in for one scan a process it will push
///   out at the next. On the collector's first scan every process counts as seen before: it is
///   the collector that is new, not they.
/// - Floors: below a list's floor a process is no candidate for that list (`minimumCPUPercent`,
///   `minimumResidentBytes`, `minimumIOBytesPerSecond`), so the tail of idle processes does not
///   trade places at the N-th rank.
/// - Hold: an exported process that leaves every list stays exported (with no rank) for
///   `holdScans` more scans unless it exits, so one that wavers around the N-th place keeps its
///   series whole instead of stopping and starting them. At equal keys, processes exported at
///   the last scan rank first.
public struct SelectionRules: Equatable, Sendable {
    /// Consecutive scans a process must be seen in to enter a list: 1 or 2.
    public var minimumScans: Int
    /// CPU, own plus children's, 100 = one core.
    public var minimumCPUPercent: Double
    public var minimumResidentBytes: UInt64
    /// Storage reads plus writes.
    public var minimumIOBytesPerSecond: Double
    /// Scans an exported process stays exported after it left every list; 0 turns holding off.
    public var holdScans: Int

    public init(
        minimumScans: Int = 2, minimumCPUPercent: Double = 0.5, minimumResidentBytes: UInt64 = 0,
        minimumIOBytesPerSecond: Double = 0, holdScans: Int = 3
    ) {
        self.minimumScans = minimumScans
        self.minimumCPUPercent = minimumCPUPercent
        self.minimumResidentBytes = minimumResidentBytes
        self.minimumIOBytesPerSecond = minimumIOBytesPerSecond
        self.holdScans = holdScans
    }

    /// The naive Top N: every process with any use of a resource is a candidate from its first
    /// scan, and leaves the exported set as soon as it leaves the lists.
    public static let naive = SelectionRules(
        minimumScans: 1, minimumCPUPercent: 0, minimumResidentBytes: 0, minimumIOBytesPerSecond: 0, holdScans: 0)

    /// Rules from the `--top.*` flags' values, checked.
    ///
    /// - Throws: `SelectionRulesError` naming the flag of the first value out of range.
    public init(
        validatingMinimumScans minimumScans: Int, minimumCPUPercent: Double, minimumResidentBytes: UInt64,
        minimumIOBytesPerSecond: Double, holdScans: Int
    ) throws(SelectionRulesError) {
        guard (1...2).contains(minimumScans) else {
            throw SelectionRulesError(flag: "--top.min-scans", value: String(minimumScans), expected: "1 or 2")
        }
        guard minimumCPUPercent >= 0, minimumCPUPercent.isFinite else {
            throw SelectionRulesError(
                flag: "--top.min-cpu-percent", value: String(minimumCPUPercent), expected: "a percentage of one core, 0 or more")
        }
        guard minimumIOBytesPerSecond >= 0, minimumIOBytesPerSecond.isFinite else {
            throw SelectionRulesError(
                flag: "--top.min-io-bytes-per-second", value: String(minimumIOBytesPerSecond), expected: "0 or more")
        }
        guard (0...Self.maximumHoldScans).contains(holdScans) else {
            throw SelectionRulesError(flag: "--top.hold", value: String(holdScans), expected: "0 to \(Self.maximumHoldScans) scans")
        }
        self.init(
            minimumScans: minimumScans, minimumCPUPercent: minimumCPUPercent, minimumResidentBytes: minimumResidentBytes,
            minimumIOBytesPerSecond: minimumIOBytesPerSecond, holdScans: holdScans)
    }

    /// The longest hold: an hour of 15 s scans.
    public static let maximumHoldScans = 240

    /// The floor of `list`, in the unit of its key.
    func floor(of list: TopList) -> Double {
        switch list {
        case .cpu: minimumCPUPercent
        case .memory: Double(minimumResidentBytes)
        case .io: minimumIOBytesPerSecond
        }
    }
}

/// A `--top.*` value out of range.
public struct SelectionRulesError: Error, CustomStringConvertible, Equatable {
    public var flag: String
    public var value: String
    public var expected: String

    public var description: String { "invalid value '\(value)' for '\(flag)': expected \(expected)" }
}
