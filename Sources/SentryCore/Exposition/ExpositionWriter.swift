/// Writes the Prometheus text exposition format, version 0.0.4, into a byte array.
///
/// Hand-written rather than swift-prometheus: that library keeps a long-lived registry, which
/// per-scan label sets turn quadratic (and whose series outlive the processes they describe),
/// while this writer renders each snapshot once, in one pass, into one buffer.
///
/// Escaping follows the format exactly: in label values `\`, `"` and line feed become `\\`,
/// `\"` and `\n`; in HELP text `\` and line feed. Label values are Swift strings and therefore
/// valid UTF-8, so no process name can break a line or open a new series.
public struct ExpositionWriter {
    /// The exposition written so far.
    public private(set) var bytes: [UInt8] = []
    /// Samples written so far.
    public private(set) var sampleCount = 0
    /// A hash of each sample's name and labels (its series), in order, when tracking series.
    public private(set) var seriesHashes: [Int]?

    /// Content type of the format, for the HTTP response.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The kind of a metric family.
    public enum MetricType: String, Sendable {
        case counter, gauge
    }

    /// - Parameters:
    ///   - capacity: bytes to reserve, e.g. the previous exposition's size.
    ///   - tracksSeries: whether to keep `seriesHashes`.
    public init(capacity: Int = 0, tracksSeries: Bool = false) {
        bytes.reserveCapacity(capacity)
        if tracksSeries { seriesHashes = [] }
    }

    /// Starts a metric family: its `# HELP` and `# TYPE` lines. Samples of the family must follow
    /// before the next family starts.
    public mutating func family(_ name: StaticString, _ type: MetricType, help: String) {
        append("# HELP ")
        append(name)
        bytes.append(UInt8(ascii: " "))
        for byte in help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\n"): append("\\n")
            default: bytes.append(byte)
            }
        }
        append("\n# TYPE ")
        append(name)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: type.rawValue.utf8)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Writes one unlabelled sample with a floating-point value.
    public mutating func sample(_ name: StaticString, _ value: Double) {
        sample(name, LabelSet(), value)
    }

    /// Writes one unlabelled sample with an integer value.
    public mutating func sample(_ name: StaticString, _ value: some BinaryInteger) {
        sample(name, LabelSet(), value)
    }

    /// Writes one sample with a floating-point value.
    public mutating func sample(_ name: StaticString, _ labels: LabelSet, _ value: Double) {
        beginSample(name, labels)
        if value.isNaN {
            append("NaN")
        } else if value.isInfinite {
            append(value > 0 ? "+Inf" : "-Inf")
        } else if value == value.rounded(), abs(value) < 1e15 {
            appendDecimal(Int64(value))  // integral values without a trailing ".0"
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
        endSample()
    }

    /// Writes one sample with an integer value.
    public mutating func sample(_ name: StaticString, _ labels: LabelSet, _ value: some BinaryInteger) {
        beginSample(name, labels)
        appendDecimal(value)
        endSample()
    }

    private mutating func beginSample(_ name: StaticString, _ labels: LabelSet) {
        if seriesHashes != nil {
            var hasher = Hasher()
            name.withUTF8Buffer { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            labels.rendered.withUnsafeBytes { hasher.combine(bytes: $0) }
            seriesHashes!.append(hasher.finalize())
        }
        append(name)
        if !labels.rendered.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            bytes.append(contentsOf: labels.rendered)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
    }

    private mutating func endSample() {
        bytes.append(UInt8(ascii: "\n"))
        sampleCount += 1
    }

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func appendDecimal(_ value: some BinaryInteger) {
        bytes.appendDecimal(value)
    }
}

/// The labels of a series, rendered and escaped once (`pid="1",name="init"`) so that the many
/// families of one process reuse them.
public struct LabelSet: Sendable {
    fileprivate private(set) var rendered: [UInt8] = []

    public init() {}

    /// A label set of `pairs`, in order.
    public init(_ pairs: KeyValuePairs<StaticString, String>) {
        for (name, value) in pairs { append(name, value) }
    }

    /// This set with one more label.
    public func appending(_ name: StaticString, _ value: String) -> LabelSet {
        var copy = self
        copy.append(name, value)
        return copy
    }

    /// Adds a label; `name` must be a valid label name, `value` may be any text.
    public mutating func append(_ name: StaticString, _ value: String) {
        if !rendered.isEmpty { rendered.append(UInt8(ascii: ",")) }
        name.withUTF8Buffer { rendered.append(contentsOf: $0) }
        rendered.append(UInt8(ascii: "="))
        rendered.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): rendered.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\""): rendered.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\n"): rendered.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            default: rendered.append(byte)
            }
        }
        rendered.append(UInt8(ascii: "\""))
    }
}

extension [UInt8] {
    /// Appends the decimal digits of `value` without going through `String`.
    mutating func appendDecimal(_ value: some BinaryInteger) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = InlineArray<40, UInt8>(repeating: 0)
        var count = 0
        repeat {
            digits[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            count += 1
        } while magnitude > 0
        while count > 0 {
            count -= 1
            append(digits[count])
        }
    }
}
