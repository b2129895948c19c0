import Foundation

/// One sample line of a text exposition.
public struct MetricSample: CustomStringConvertible {
    public let name: String
    /// Label values unescaped.
    public let labels: [String: String]
    /// Label names in the order written.
    public let labelOrder: [String]
    public let value: Double
    /// The line as served.
    public let line: String

    public var pid: Int32? { labels["pid"].flatMap { Int32($0) } }
    public var description: String { line }
}

/// A text exposition (format 0.0.4), parsed strictly enough that a broken line fails the test.
public struct ScrapedMetrics {
    public let body: Data
    public let text: String
    public let samples: [MetricSample]
    /// `# TYPE` lines: family name to type.
    public let types: [String: String]

    public init(_ body: Data) throws {
        guard let text = String(data: body, encoding: .utf8) else {
            throw HarnessError("exposition is not valid UTF-8")
        }
        self.body = body
        self.text = text
        var samples: [MetricSample] = []
        var types: [String: String] = [:]
        for (index, line) in Self.lines(text).enumerated() {
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let fields = line.split(separator: " ", maxSplits: 3)
                if fields.count == 4, fields[1] == "TYPE" { types[String(fields[2])] = String(fields[3]) }
                continue
            }
            do {
                samples.append(try Self.parseSample(line))
            } catch {
                throw HarnessError("line \(index + 1) \(line.debugDescription): \(error)")
            }
        }
        guard text.isEmpty || text.hasSuffix("\n") else { throw HarnessError("exposition does not end with a newline") }
        self.samples = samples
        self.types = types
    }

    /// The lines of `text`, split at line feeds only (a Swift `Character` split would keep
    /// `\r\n` together).
    public static func lines(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
    }

    /// The exposition's lines.
    public var lines: [String] { Self.lines(text) }

    /// Samples of one family (exact metric name).
    public func samples(_ name: String) -> [MetricSample] {
        samples.filter { $0.name == name }
    }

    /// Samples of `name` whose labels include all of `labels`.
    public func samples(_ name: String, _ labels: [String: String]) -> [MetricSample] {
        samples(name).filter { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// Samples of any family whose labels include all of `labels`.
    public func samples(_ labels: [String: String]) -> [MetricSample] {
        samples.filter { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The value of the only sample of `name` matching `labels`, nil if there is none.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples(name, labels).first?.value
    }

    /// The per-process sample of `name` for `pid`.
    public func sample(_ name: String, pid: Int32) -> MetricSample? {
        samples(name, ["pid": String(pid)]).first
    }

    // MARK: - Parsing

    private static func parseSample(_ line: String) throws -> MetricSample {
        let scalars = Array(line.unicodeScalars)
        var index = 0
        func isNameScalar(_ scalar: Unicode.Scalar, first: Bool) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "_", ":": true
            case "0"..."9": !first
            default: false
            }
        }
        var name = ""
        while index < scalars.count, isNameScalar(scalars[index], first: name.isEmpty) {
            name.unicodeScalars.append(scalars[index])
            index += 1
        }
        guard !name.isEmpty else { throw HarnessError("no metric name") }
        var labels: [String: String] = [:]
        var order: [String] = []
        if index < scalars.count, scalars[index] == "{" {
            index += 1
            while true {
                guard index < scalars.count else { throw HarnessError("unterminated label set") }
                if scalars[index] == "}" {
                    index += 1
                    break
                }
                var labelName = ""
                while index < scalars.count, isNameScalar(scalars[index], first: labelName.isEmpty), scalars[index] != ":" {
                    labelName.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard !labelName.isEmpty, index + 1 < scalars.count, scalars[index] == "=", scalars[index + 1] == "\""
                else { throw HarnessError("bad label at column \(index)") }
                index += 2
                var value = ""
                while true {
                    guard index < scalars.count else { throw HarnessError("unterminated label value") }
                    let scalar = scalars[index]
                    index += 1
                    if scalar == "\"" { break }
                    if scalar == "\\" {
                        guard index < scalars.count else { throw HarnessError("dangling backslash") }
                        switch scalars[index] {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        default: throw HarnessError("invalid escape \\\(scalars[index]) in label value")
                        }
                        index += 1
                    } else {
                        value.unicodeScalars.append(scalar)
                    }
                }
                guard labels[labelName] == nil else { throw HarnessError("duplicate label \(labelName)") }
                labels[labelName] = value
                order.append(labelName)
                guard index < scalars.count else { throw HarnessError("unterminated label set") }
                if scalars[index] == "," {
                    index += 1
                } else if scalars[index] != "}" {
                    throw HarnessError("expected , or } at column \(index)")
                }
            }
        }
        guard index < scalars.count, scalars[index] == " " else { throw HarnessError("no space before the value") }
        let rest = String(String.UnicodeScalarView(scalars[(index + 1)...]))
        let fields = rest.split(separator: " ")
        guard (1...2).contains(fields.count) else { throw HarnessError("expected value [timestamp]") }
        let valueText = String(fields[0])
        let value: Double
        switch valueText {
        case "NaN": value = .nan
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        default:
            guard let parsed = Double(valueText), parsed.isFinite else { throw HarnessError("bad value \(valueText)") }
            value = parsed
        }
        return MetricSample(name: name, labels: labels, labelOrder: order, value: value, line: line)
    }
}
