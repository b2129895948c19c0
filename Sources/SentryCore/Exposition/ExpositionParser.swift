/// A strict parser of the Prometheus text exposition format, version 0.0.4: the reading side of
/// `ExpositionWriter`, for a client (the TUI's attach mode) that scrapes a running exporter.
///
/// Strict so that a truncated or garbled scrape fails loudly with a line number rather than
/// showing a partial table: besides the syntax, it enforces the format's structural rules (a
/// family's samples are contiguous, its `# TYPE` comes before them, no series appears twice).
/// Pure and total: any input, however hostile, either parses or throws.
public enum ExpositionParser {
    /// The families of `bytes`, in the order they appear.
    ///
    /// - Throws: `ExpositionParseError` at the first line that breaks the format.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ExpositionParseError) -> [MetricFamily] {
        let bytes = Array(bytes)
        var assembler = FamilyAssembler()
        var lineNumber = 0
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            lineNumber += 1
            guard let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else {
                throw ExpositionParseError(line: lineNumber, reason: .missingFinalLineFeed)
            }
            let line = bytes[lineStart..<lineEnd]
            do throws(ExpositionParseError.Reason) {
                guard String(validating: line, as: UTF8.self) != nil else { throw .invalidUTF8 }
                var parser = LineParser(line)
                try assembler.add(parser.parse())
            } catch {
                throw ExpositionParseError(line: lineNumber, reason: error)
            }
            lineStart = lineEnd + 1
        }
        return assembler.families
    }
}

/// One metric family of an exposition: its metadata and its samples.
public struct MetricFamily: Equatable, Sendable {
    /// The types a `# TYPE` line may declare.
    public enum MetricType: String, Sendable {
        case counter, gauge, histogram, summary, untyped
    }

    /// One label of a sample, its value unescaped.
    public struct Label: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// One sample line.
    public struct Sample: Equatable, Sendable {
        /// The metric name as written: the family's name, or for a histogram or summary the
        /// family's name with `_bucket`, `_sum` or `_count` appended.
        public var name: String
        /// The labels in the order written.
        public var labels: [Label]
        public var value: Double
        /// The optional timestamp, in milliseconds since the Unix epoch.
        public var timestamp: Int64?

        public init(name: String, labels: [Label] = [], value: Double, timestamp: Int64? = nil) {
            self.name = name
            self.labels = labels
            self.value = value
            self.timestamp = timestamp
        }

        /// The value of the label `name`, nil if the sample has none.
        public func label(_ name: String) -> String? {
            labels.first { $0.name == name }?.value
        }
    }

    public var name: String
    /// The declared type; nil without a `# TYPE` line.
    public var type: MetricType?
    /// The `# HELP` text, unescaped; nil without a `# HELP` line.
    public var help: String?
    public var samples: [Sample]

    public init(name: String, type: MetricType? = nil, help: String? = nil, samples: [Sample] = []) {
        self.name = name
        self.type = type
        self.help = help
        self.samples = samples
    }
}

/// Why and where an exposition was rejected.
public struct ExpositionParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with a line. An `Error` itself so that the code that reads a line can throw
    /// it before the line number is attached.
    public enum Reason: Error, Equatable, Sendable, CustomStringConvertible {
        case invalidUTF8
        case missingFinalLineFeed
        case missingMetricName
        case invalidMetricName
        case invalidType(String)
        case invalidLabelName
        /// A label set missing its `=`, opening quote, `,` or closing `}`.
        case malformedLabelSet
        case unterminatedLabelValue
        /// A backslash escape other than those the format defines.
        case invalidEscape
        case duplicateLabelName(String)
        case missingValue
        case invalidValue
        case invalidTimestamp
        /// More after the last token the line may have.
        case unexpectedText
        case duplicateHelp(family: String)
        case duplicateType(family: String)
        case typeAfterSamples(family: String)
        /// A family that comes back after another family started.
        case familyNotContiguous(family: String)
        /// The same metric name with the same labels again.
        case duplicateSeries(name: String)

        public var description: String {
            switch self {
            case .invalidUTF8: "not valid UTF-8"
            case .missingFinalLineFeed: "the last line does not end with a line feed"
            case .missingMetricName: "HELP or TYPE without a metric name"
            case .invalidMetricName: "invalid metric name"
            case .invalidType(let type): "unknown metric type \"\(type)\""
            case .invalidLabelName: "invalid label name"
            case .malformedLabelSet: "malformed label set"
            case .unterminatedLabelValue: "unterminated label value"
            case .invalidEscape: "invalid escape sequence"
            case .duplicateLabelName(let name): "label \(name) appears twice"
            case .missingValue: "missing sample value"
            case .invalidValue: "invalid sample value"
            case .invalidTimestamp: "invalid timestamp"
            case .unexpectedText: "unexpected text at the end of the line"
            case .duplicateHelp(let family): "second HELP line for \(family)"
            case .duplicateType(let family): "second TYPE line for \(family)"
            case .typeAfterSamples(let family): "TYPE line for \(family) after its samples"
            case .familyNotContiguous(let family): "samples of \(family) are not contiguous"
            case .duplicateSeries(let name): "series of \(name) appears twice"
            }
        }
    }

    /// The 1-based line number.
    public var line: Int
    public var reason: Reason

    public init(line: Int, reason: Reason) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}

// MARK: - Lines

/// What one line of an exposition says.
private enum Line {
    /// A blank line or a comment other than HELP and TYPE.
    case ignored
    case help(family: String, text: String)
    case type(family: String, MetricFamily.MetricType)
    case sample(MetricFamily.Sample)
}

/// Parses one line (without its line feed) that is known to be valid UTF-8.
///
/// Blanks (spaces and tabs) may surround every token, as the format allows; the structure is
/// ASCII, so the line is read byte by byte and only names, label values and HELP text become
/// strings.
private struct LineParser {
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    typealias Reason = ExpositionParseError.Reason

    mutating func parse() throws(Reason) -> Line {
        skipBlanks()
        guard let first = current else { return .ignored }
        if first == UInt8(ascii: "#") {
            position += 1
            return try comment()
        }
        return .sample(try sample())
    }

    // MARK: Comments

    /// The rest of a line that started with `#`.
    private mutating func comment() throws(Reason) -> Line {
        skipBlanks()
        let keyword = token()
        let isHelp = keyword.elementsEqual("HELP".utf8)
        guard isHelp || keyword.elementsEqual("TYPE".utf8) else { return .ignored }
        skipBlanks()
        let nameBytes = token()
        guard !nameBytes.isEmpty else { throw .missingMetricName }
        guard Self.isMetricName(nameBytes) else { throw .invalidMetricName }
        let name = String(decoding: nameBytes, as: UTF8.self)
        skipBlanks()
        if isHelp { return .help(family: name, text: try helpText()) }
        let typeBytes = token()
        let typeName = String(decoding: typeBytes, as: UTF8.self)
        guard let type = MetricFamily.MetricType(rawValue: typeName) else { throw .invalidType(typeName) }
        try expectEnd()
        return .type(family: name, type)
    }

    /// The rest of the line as HELP text, with `\\` and `\n` unescaped.
    private mutating func helpText() throws(Reason) -> String {
        var text: [UInt8] = []
        while let byte = next() {
            guard byte == UInt8(ascii: "\\") else {
                text.append(byte)
                continue
            }
            switch next() {
            case UInt8(ascii: "\\"): text.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "n"): text.append(UInt8(ascii: "\n"))
            default: throw .invalidEscape
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    // MARK: Samples

    private mutating func sample() throws(Reason) -> MetricFamily.Sample {
        let nameBytes = take(while: Self.isMetricNameByte)
        guard Self.isMetricName(nameBytes) else { throw .invalidMetricName }
        if let byte = current, byte != UInt8(ascii: "{"), !Self.isBlank(byte) {
            throw .invalidMetricName  // such as `name-with-dash 1`
        }
        skipBlanks()
        var labels: [MetricFamily.Label] = []
        if skip(UInt8(ascii: "{")) {
            labels = try labelSet()
            skipBlanks()
        }
        let valueBytes = token()
        guard !valueBytes.isEmpty else { throw .missingValue }
        guard let value = Self.float(valueBytes) else { throw .invalidValue }
        skipBlanks()
        var timestamp: Int64?
        if !isAtEnd {
            guard let milliseconds = Int64(String(decoding: token(), as: UTF8.self)) else { throw .invalidTimestamp }
            timestamp = milliseconds
            try expectEnd()
        }
        return MetricFamily.Sample(
            name: String(decoding: nameBytes, as: UTF8.self), labels: labels, value: value, timestamp: timestamp)
    }

    /// The labels after a `{`, up to and including the closing `}`; a trailing comma is allowed.
    private mutating func labelSet() throws(Reason) -> [MetricFamily.Label] {
        var labels: [MetricFamily.Label] = []
        var names: Set<String> = []
        while true {
            skipBlanks()
            if skip(UInt8(ascii: "}")) { return labels }
            let nameBytes = take(while: Self.isLabelNameByte)
            guard let first = nameBytes.first, !Self.isDigit(first) else { throw .invalidLabelName }
            let name = String(decoding: nameBytes, as: UTF8.self)
            skipBlanks()
            guard skip(UInt8(ascii: "=")) else { throw .malformedLabelSet }
            skipBlanks()
            guard skip(UInt8(ascii: "\"")) else { throw .malformedLabelSet }
            let value = try labelValue()
            guard names.insert(name).inserted else { throw .duplicateLabelName(name) }
            labels.append(MetricFamily.Label(name, value))
            skipBlanks()
            if skip(UInt8(ascii: "}")) { return labels }
            guard skip(UInt8(ascii: ",")) else { throw .malformedLabelSet }
        }
    }

    /// A label value after its opening quote, up to and including the closing quote, with
    /// `\\`, `\"` and `\n` unescaped.
    private mutating func labelValue() throws(Reason) -> String {
        var value: [UInt8] = []
        while let byte = next() {
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                switch next() {
                case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                case nil: throw .unterminatedLabelValue
                default: throw .invalidEscape
                }
            default:
                value.append(byte)
            }
        }
        throw .unterminatedLabelValue
    }

    // MARK: Values

    /// A sample value as Go's `strconv.ParseFloat` reads it, minus the hexadecimal and
    /// underscore forms the format's reference parser refuses: decimal with optional fraction
    /// and exponent, `NaN`, and optionally signed `Inf` or `Infinity`, in any case. Nil for
    /// anything else, including decimals too large for a `Double`.
    private static func float(_ token: ArraySlice<UInt8>) -> Double? {
        let lowercased = token.map { Self.isUppercase($0) ? $0 + 32 : $0 }
        var unsigned = lowercased[...]
        var isNegative = false
        if let sign = unsigned.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            isNegative = sign == UInt8(ascii: "-")
            unsigned = unsigned.dropFirst()
        }
        if unsigned.elementsEqual("inf".utf8) || unsigned.elementsEqual("infinity".utf8) {
            return isNegative ? -.infinity : .infinity
        }
        if lowercased.elementsEqual("nan".utf8) { return .nan }
        guard Self.isDecimal(unsigned), let value = Double(String(decoding: token, as: UTF8.self)),
            value.isFinite
        else { return nil }
        return value
    }

    /// Whether `bytes` is `digits[.digits][e[sign]digits]` with at least one mantissa digit
    /// (either side of the point).
    private static func isDecimal(_ bytes: ArraySlice<UInt8>) -> Bool {
        var rest = bytes
        let integer = rest.prefix(while: isDigit)
        rest = rest.dropFirst(integer.count)
        var fraction: ArraySlice<UInt8> = []
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            fraction = rest.prefix(while: isDigit)
            rest = rest.dropFirst(fraction.count)
        }
        guard !integer.isEmpty || !fraction.isEmpty else { return false }
        if rest.first == UInt8(ascii: "e") {
            rest = rest.dropFirst()
            if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                rest = rest.dropFirst()
            }
            let exponent = rest.prefix(while: isDigit)
            guard !exponent.isEmpty else { return false }
            rest = rest.dropFirst(exponent.count)
        }
        return rest.isEmpty
    }

    // MARK: Names

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    private static func isMetricName(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first, !isDigit(first) else { return false }
        return bytes.allSatisfy(isMetricNameByte)
    }

    private static func isMetricNameByte(_ byte: UInt8) -> Bool {
        isLabelNameByte(byte) || byte == UInt8(ascii: ":")
    }

    /// `[a-zA-Z0-9_]`; a label name is a run of these not starting with a digit.
    private static func isLabelNameByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || isUppercase(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || byte == UInt8(ascii: "_")
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isUppercase(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    // MARK: Cursor

    private var isAtEnd: Bool { position >= bytes.endIndex }

    private var current: UInt8? { isAtEnd ? nil : bytes[position] }

    /// The current byte, moving past it.
    private mutating func next() -> UInt8? {
        guard let byte = current else { return nil }
        position += 1
        return byte
    }

    /// Moves past `byte` if it is the current one.
    private mutating func skip(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        position += 1
        return true
    }

    private mutating func skipBlanks() {
        _ = take(while: Self.isBlank)
    }

    /// The bytes up to the next blank or the end of the line.
    private mutating func token() -> ArraySlice<UInt8> {
        take { !Self.isBlank($0) }
    }

    private mutating func take(while predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let start = position
        while let byte = current, predicate(byte) { position += 1 }
        return bytes[start..<position]
    }

    /// Throws unless only blanks are left.
    private mutating func expectEnd() throws(Reason) {
        skipBlanks()
        guard isAtEnd else { throw .unexpectedText }
    }
}

// MARK: - Families

/// Groups lines into families and enforces the format's rules across lines.
private struct FamilyAssembler {
    private(set) var families: [MetricFamily] = []
    private var familyIndices: [String: Int] = [:]
    private var series: Set<SeriesKey> = []

    typealias Reason = ExpositionParseError.Reason

    /// A series' identity: the metric name and the label set regardless of order.
    private struct SeriesKey: Hashable {
        let name: String
        let labels: [MetricFamily.Label]

        init(_ sample: MetricFamily.Sample) {
            name = sample.name
            // Label names within a sample are unique, so sorting by name is canonical.
            labels = sample.labels.sorted { $0.name < $1.name }
        }
    }

    mutating func add(_ line: Line) throws(Reason) {
        switch line {
        case .ignored:
            return
        case .help(let name, let text):
            if let existing = familyIndices[name], families[existing].help != nil { throw .duplicateHelp(family: name) }
            let index = try family(named: name)
            families[index].help = text
        case .type(let name, let type):
            if let existing = familyIndices[name] {
                guard families[existing].type == nil else { throw .duplicateType(family: name) }
                guard families[existing].samples.isEmpty else { throw .typeAfterSamples(family: name) }
            }
            let index = try family(named: name)
            families[index].type = type
        case .sample(let sample):
            let index = try family(named: familyName(of: sample.name))
            guard series.insert(SeriesKey(sample)).inserted else { throw .duplicateSeries(name: sample.name) }
            families[index].samples.append(sample)
        }
    }

    /// The index of the family `name`: the current one, or a new one. A family that another has
    /// followed is closed.
    private mutating func family(named name: String) throws(Reason) -> Int {
        if let last = families.indices.last, families[last].name == name { return last }
        guard familyIndices[name] == nil else { throw .familyNotContiguous(family: name) }
        families.append(MetricFamily(name: name))
        familyIndices[name] = families.count - 1
        return families.count - 1
    }

    /// The family a sample named `sampleName` belongs to: the current family if the name is its
    /// own or, for a histogram or summary, one of its suffixed series; otherwise the family of
    /// that name.
    private func familyName(of sampleName: String) -> String {
        guard let current = families.last else { return sampleName }
        let suffixes: [String] =
            switch current.type {
            case .histogram: ["_bucket", "_sum", "_count"]
            case .summary: ["_sum", "_count"]
            default: []
            }
        if sampleName == current.name || suffixes.contains(where: { current.name + $0 == sampleName }) {
            return current.name
        }
        return sampleName
    }
}
