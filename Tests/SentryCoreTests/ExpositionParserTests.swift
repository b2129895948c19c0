import Testing
import TestSupport
@testable import SentryCore

@Suite("Exposition parser and exported snapshot")
struct ExpositionParserTests {
    /// The exporter's exposition, with its own `process_*` families, which the snapshot ignores.
    private static var exposition: Exposition {
        Exposition(
            version: "1.2.3", scans: 7, scanFailures: 1,
            ownProcess: OwnProcessStats(
                cpuSeconds: 1.5, residentBytes: 10_000_000, virtualBytes: 20_000_000, openFileDescriptors: 8,
                maximumFileDescriptors: 1024, startTime: 1_795_600_100))
    }

    // MARK: - Round trip through the exporter's own writer

    @Test("every figure of the example snapshot survives rendering and parsing")
    func roundTrip() throws {
        let snapshot = Snapshot.example
        let bytes = Self.exposition.render(snapshot)
        let exported = try ExportedSnapshot(exposition: bytes)

        #expect(exported.processes == snapshot.selectedProcesses.map(Self.exported))
        let process = try #require(exported.processes.first)
        #expect(process.name == "we\"ird\nname")
        #expect(process.containerID == "8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3")
        #expect(process.ranks == TopRanks(cpu: 1, memory: 2))
        #expect(process.listeningPorts == [ListeningPort(kind: .tcp, port: 8080)])

        #expect(exported.others == Self.withoutThreads(snapshot.others))
        let container = snapshot.containers[0]
        #expect(
            exported.containers == [
                ExportedContainer(
                    id: container.container.id, podUID: nil, usage: Self.withoutThreads(Self.folded(container.usage)))
            ])
        #expect(exported.othersChildrenCPUSeconds == snapshot.othersChildrenCPUSeconds)
        #expect(exported.unattributedCPUPercent == snapshot.unattributedCPUPercent)

        #expect(exported.topN == 50)
        #expect(exported.scanDuration == 0.01)
        #expect(exported.lastScanTime == 1_795_601_000)
        #expect(exported.processesScanned == 2)
        #expect(exported.processesSelected == 1)
        let sampleCount = try ExpositionParser.parse(bytes).reduce(0) { $0 + $1.samples.count }
        #expect(exported.seriesExported == sampleCount)
        #expect(exported.version == "1.2.3")
    }

    @Test("names with replacement characters, nothing at all, or the format's punctuation survive")
    func hostileNames() throws {
        let invalidUTF8 = String(decoding: [0x66, 0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80], as: UTF8.self)
        #expect(invalidUTF8.unicodeScalars.contains("\u{FFFD}"))
        let names = [invalidUTF8, "", "a}b{c,d=e", "x\"} 1\ny{z=\"", "\\", "\\n", "tab\there # HELP x", "}", "{", ",", "="]
        let snapshot = Snapshot.example.adding(names: names)
        let exported = try ExportedSnapshot(exposition: Self.exposition.render(snapshot))
        #expect(exported.processes == snapshot.selectedProcesses.map(Self.exported))
        #expect(exported.processes.map(\.name) == ["we\"ird\nname"] + names)
    }

    @Test("randomly composed names survive")
    func randomNames() throws {
        var random = SplitMix64(seed: 7)
        let alphabet: [Character] = ["a", "Z", "0", " ", "\t", "\n", "\r", "\"", "\\", "{", "}", ",", "=", "#", "n", "\u{FFFD}", "é", "🦀"]
        for _ in 0..<50 {
            let names = (0..<8).map { _ in
                String((0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            }
            let snapshot = Snapshot.example.adding(names: names)
            let exported = try ExportedSnapshot(exposition: Self.exposition.render(snapshot))
            #expect(exported.processes.map(\.name) == ["we\"ird\nname"] + names)
        }
    }

    /// What the exporter should say about `process`.
    private static func exported(_ process: ProcessSample) -> ExportedProcess {
        ExportedProcess(
            pid: process.pid, name: process.name, user: process.user, containerID: process.container?.id ?? "",
            cpuPercent: process.cpuPercent, cpuSeconds: process.cpuSeconds, childrenCPUPercent: process.childrenCPUPercent,
            childrenCPUSeconds: process.childrenCPUSeconds, residentBytes: process.residentBytes,
            readBytesPerSecond: process.readBytesPerSecond, writeBytesPerSecond: process.writeBytesPerSecond,
            readBytesTotal: process.io?.readBytes, writeBytesTotal: process.io?.writeBytes, threads: process.threads,
            startTime: process.startTime, ranks: process.ranks, listeningPorts: process.listeningPorts)
    }

    /// `totals` as exported: threads are not.
    private static func withoutThreads(_ totals: ResourceTotals) -> ResourceTotals {
        var totals = totals
        totals.threads = 0
        return totals
    }

    /// A container's `totals` as exported: its own and children's CPU as one figure.
    private static func folded(_ totals: ResourceTotals) -> ResourceTotals {
        var totals = totals
        totals.cpuPercent = totals.totalCPUPercent
        totals.childrenCPUPercent = 0
        return totals
    }

    // MARK: - Exported snapshot from other inputs

    @Test("another exporter's metrics are not a proc-sentry exporter")
    func notAnExporter() {
        let nodeExporter = """
            # HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
            # TYPE node_cpu_seconds_total counter
            node_cpu_seconds_total{cpu="0",mode="idle"} 12345.67
            node_cpu_seconds_total{cpu="0",mode="user"} 89.1
            # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
            # TYPE process_cpu_seconds_total counter
            process_cpu_seconds_total 1.5
            # HELP go_info Information about the Go environment.
            # TYPE go_info gauge
            go_info{version="go1.22.5"} 1

            """
        #expect(throws: ExportedSnapshotError.notProcSentry) { try ExportedSnapshot(exposition: Array(nodeExporter.utf8)) }
        #expect(throws: ExportedSnapshotError.notProcSentry) { try ExportedSnapshot(exposition: [UInt8]()) }
        #expect(throws: ExportedSnapshotError.malformed(ExpositionParseError(line: 2, reason: .invalidValue))) {
            try ExportedSnapshot(exposition: Array("proc_sentry_build_info{version=\"1\"} 1\nx one\n".utf8))
        }
    }

    @Test("values that fit no count or byte total leave the field empty, and unknown families are ignored")
    func unrepresentableValues() throws {
        let text = """
            # TYPE other_exporter_metric gauge
            other_exporter_metric{pid="5"} 1
            proc_process_top_memory_bytes{pid="5",name="a",user="u",container_id=""} -1
            proc_process_top_memory_bytes{pid="6",name="b",user="",container_id="c1"} 1e300
            proc_process_top_memory_bytes{pid="abc",name="c",user="",container_id=""} 1
            proc_process_top_memory_bytes{pid="-7",name="c",user="",container_id=""} 1
            proc_process_top_memory_bytes{name="no pid"} 1
            proc_process_top_io_read_bytes_total{pid="5",name="a",user="u",container_id=""} NaN
            proc_process_top_io_write_bytes_total{pid="5",name="a",user="u",container_id=""} 0.5
            proc_process_top_threads{pid="5",name="a",user="u",container_id=""} +Inf
            proc_process_top_threads{pid="6",name="b",user="",container_id="c1"} 4
            proc_process_top_cpu_percent{pid="5",name="a",user="u",container_id=""} NaN
            proc_process_top_rank{pid="5",name="a",user="u",container_id="",list="cpu"} 0
            proc_process_top_rank{pid="5",name="a",user="u",container_id="",list="memory"} 1.5
            proc_process_top_rank{pid="5",name="a",user="u",container_id="",list="io"} 3
            proc_process_top_rank{pid="5",name="a",user="u",container_id="",list="disk"} 1
            proc_process_top_listening_port_info{pid="5",name="a",user="u",container_id="",protocol="udp6",port="53"} 1
            proc_process_top_listening_port_info{pid="5",name="a",user="u",container_id="",protocol="tcp",port="53"} 1
            proc_process_top_listening_port_info{pid="5",name="a",user="u",container_id="",protocol="tcp",port="70000"} 1
            proc_process_top_listening_port_info{pid="5",name="a",user="u",container_id="",protocol="sctp",port="9"} 1
            proc_process_others_memory_bytes -5
            proc_process_others_processes 12
            proc_container_memory_bytes{container_id="c1",pod_uid="0b9a1c2e-1111-2222-3333-444455556666"} 2048
            proc_container_processes{container_id="c1",pod_uid="0b9a1c2e-1111-2222-3333-444455556666"} -1
            proc_sentry_top_n -3
            proc_sentry_processes_scanned 2.5
            # TYPE proc_sentry_build_info gauge

            """
        let exported = try ExportedSnapshot(exposition: Array(text.utf8))

        #expect(exported.processes.map(\.pid) == [5, 6])
        let first = exported.processes[0]
        #expect(first.name == "a" && first.user == "u" && first.containerID == "")
        #expect(first.residentBytes == nil)
        #expect(first.readBytesTotal == nil)
        #expect(first.writeBytesTotal == nil)
        #expect(first.threads == nil)
        #expect(try #require(first.cpuPercent).isNaN)
        #expect(first.ranks == TopRanks(io: 3))
        #expect(first.listeningPorts == [ListeningPort(kind: .tcp, port: 53), ListeningPort(kind: .udp6, port: 53)])
        let second = exported.processes[1]
        #expect(second.name == "b" && second.containerID == "c1")
        #expect(second.residentBytes == nil)
        #expect(second.threads == 4)

        var others = ResourceTotals()
        others.processCount = 12
        #expect(exported.others == others)
        var usage = ResourceTotals()
        usage.residentBytes = 2048
        #expect(exported.containers == [ExportedContainer(id: "c1", podUID: "0b9a1c2e-1111-2222-3333-444455556666", usage: usage)])

        #expect(exported.topN == nil)
        #expect(exported.processesScanned == nil)
        #expect(exported.scanDuration == nil)
        #expect(exported.version == nil)
    }

    @Test("before the exporter's first scan there are no processes, others or containers")
    func beforeFirstScan() throws {
        let exported = try ExportedSnapshot(exposition: Self.exposition.render(nil))
        #expect(exported.processes.isEmpty)
        #expect(exported.others == nil)
        #expect(exported.containers.isEmpty)
        #expect(exported.topN == nil)
        #expect(exported.version == "1.2.3")
        #expect(exported.seriesExported == 11)
    }

    // MARK: - Parser: accepted input

    @Test("accepted: timestamps, infinities, NaN, exponents, trailing comma, empty label set, HELP escapes, blanks")
    func accepted() throws {
        let text = """
            # A plain comment, then a blank line.

            # HELP a_total Help with a \\\\ backslash,\\na line feed and "quotes".
            # TYPE a_total counter
            a_total{method="get",} 1027 1395066363000
            a_total{method="post"} +Inf -1395066363000
            a_total{} -Inf
            # TYPE b gauge
            b NaN
            b{x="1"} Inf
            b{x="2"} 1.5e-3
            b{x="3"} .5E+2
            b{x="4"} -7.
            b{x="5"} infinity
            \t b { x = "6" , y="\\\\\\"\\n" } \t 42 \t 17 \t
            # HELP c
            # TYPE c histogram
            c_bucket{le="0.5"} 1
            c_bucket{le="+Inf"} 2
            c_sum 3
            c_count 2
            # TYPE d summary
            d{quantile="0.5"} 1
            d_sum 1
            d_count 1
            e:with:colons 0

            """
        let families = try ExpositionParser.parse(Array(text.utf8))
        #expect(families.map(\.name) == ["a_total", "b", "c", "d", "e:with:colons"])
        #expect(families.map(\.type) == [.counter, .gauge, .histogram, .summary, nil])
        #expect(families.map(\.help) == ["Help with a \\ backslash,\na line feed and \"quotes\".", nil, "", nil, nil])

        typealias Sample = MetricFamily.Sample
        typealias Label = MetricFamily.Label
        #expect(
            families[0].samples == [
                Sample(name: "a_total", labels: [Label("method", "get")], value: 1027, timestamp: 1_395_066_363_000),
                Sample(name: "a_total", labels: [Label("method", "post")], value: .infinity, timestamp: -1_395_066_363_000),
                Sample(name: "a_total", labels: [], value: -.infinity),
            ])
        let b = families[1].samples
        #expect(b.count == 7)
        #expect(b[0].value.isNaN && b[0].labels.isEmpty)
        #expect(b[1...5].map(\.value) == [.infinity, 0.0015, 50, -7, .infinity])
        #expect(b[6] == Sample(name: "b", labels: [Label("x", "6"), Label("y", "\\\"\n")], value: 42, timestamp: 17))
        #expect(families[2].samples.map(\.name) == ["c_bucket", "c_bucket", "c_sum", "c_count"])
        #expect(families[3].samples.map(\.name) == ["d", "d_sum", "d_count"])
        #expect(try ExpositionParser.parse([UInt8]()).isEmpty)
    }

    // MARK: - Parser: rejected input

    /// An input the parser must reject, and the error it must give.
    struct Rejection: Sendable, CustomTestStringConvertible {
        let input: [UInt8]
        let error: ExpositionParseError

        init(_ text: String, line: Int, _ reason: ExpositionParseError.Reason) {
            self.init(Array(text.utf8), line: line, reason)
        }

        init(_ input: [UInt8], line: Int, _ reason: ExpositionParseError.Reason) {
            self.input = input
            error = ExpositionParseError(line: line, reason: reason)
        }

        var testDescription: String { "\(error): \(String(decoding: input, as: UTF8.self).debugDescription)" }
    }

    static let rejections: [Rejection] = [
        Rejection(Array("# fine\nm{a=\"".utf8) + [0xFF] + Array("\"} 1\n".utf8), line: 2, .invalidUTF8),
        Rejection(Array("m 1\n# truncated ".utf8) + [0xC3, 0x0A], line: 2, .invalidUTF8),
        Rejection(Array("# HELP m surrogate ".utf8) + [0xED, 0xA0, 0x80, 0x0A], line: 1, .invalidUTF8),
        Rejection("m 1\nn 2", line: 2, .missingFinalLineFeed),
        Rejection("\n# HELP\n", line: 2, .missingMetricName),
        Rejection("# TYPE 1m gauge\n", line: 1, .invalidMetricName),
        Rejection("# HELP m{a=\"1\"} text\n", line: 1, .invalidMetricName),
        Rejection("m 1\n1m 1\n", line: 2, .invalidMetricName),
        Rejection("m-x 1\n", line: 1, .invalidMetricName),
        Rejection("{a=\"1\"} 1\n", line: 1, .invalidMetricName),
        Rejection("# TYPE m gauges\n", line: 1, .invalidType("gauges")),
        Rejection("# TYPE m\n", line: 1, .invalidType("")),
        Rejection("# TYPE m gauge extra\n", line: 1, .unexpectedText),
        Rejection("m{1a=\"x\"} 1\n", line: 1, .invalidLabelName),
        Rejection("m{,} 1\n", line: 1, .invalidLabelName),
        Rejection("m{a=\"1\",,} 1\n", line: 1, .invalidLabelName),
        Rejection("m{a-b=\"1\"} 1\n", line: 1, .malformedLabelSet),
        Rejection("m{a} 1\n", line: 1, .malformedLabelSet),
        Rejection("m{a=1} 1\n", line: 1, .malformedLabelSet),
        Rejection("m{a=\"1\" b=\"2\"} 1\n", line: 1, .malformedLabelSet),
        Rejection("m{a=\"1\" 1\n", line: 1, .malformedLabelSet),
        Rejection("m 0\nm{a=\"x} 1\n", line: 2, .unterminatedLabelValue),
        Rejection("m{a=\"x\\\"} 1\n", line: 1, .unterminatedLabelValue),
        Rejection("m{a=\"x\\", line: 1, .missingFinalLineFeed),
        Rejection("m{a=\"x\\\n\"} 1\n", line: 1, .unterminatedLabelValue),
        Rejection("m{a=\"\\t\"} 1\n", line: 1, .invalidEscape),
        Rejection("# HELP m a \\\" quote\n", line: 1, .invalidEscape),
        Rejection("# HELP m trailing \\\n", line: 1, .invalidEscape),
        Rejection("m{a=\"1\",b=\"2\",a=\"3\"} 1\n", line: 1, .duplicateLabelName("a")),
        Rejection("m\n", line: 1, .missingValue),
        Rejection("m{a=\"1\"} \n", line: 1, .missingValue),
        Rejection("m abc\n", line: 1, .invalidValue),
        Rejection("m 1e\n", line: 1, .invalidValue),
        Rejection("m .\n", line: 1, .invalidValue),
        Rejection("m 0x10\n", line: 1, .invalidValue),
        Rejection("m 0x1p-2\n", line: 1, .invalidValue),
        Rejection("m 1_000\n", line: 1, .invalidValue),
        Rejection("m +NaN\n", line: 1, .invalidValue),
        Rejection("m nan(1)\n", line: 1, .invalidValue),
        Rejection("m 1e400\n", line: 1, .invalidValue),
        Rejection("m 1\r\n", line: 1, .invalidValue),
        Rejection("m 1 1.5\n", line: 1, .invalidTimestamp),
        Rejection("m 1 99999999999999999999\n", line: 1, .invalidTimestamp),
        Rejection("m 1 2 3\n", line: 1, .unexpectedText),
        Rejection("# HELP m one\n# HELP m two\n", line: 2, .duplicateHelp(family: "m")),
        Rejection("# TYPE m gauge\n# TYPE m counter\n", line: 2, .duplicateType(family: "m")),
        Rejection("# TYPE m gauge\nm 1\nn 1\n# TYPE m gauge\n", line: 4, .duplicateType(family: "m")),
        Rejection("m 1\n# TYPE m gauge\n", line: 2, .typeAfterSamples(family: "m")),
        Rejection("m 1\nn 1\n# TYPE m gauge\n", line: 3, .typeAfterSamples(family: "m")),
        Rejection("a 1\nb 1\n\n# other comment\na{x=\"1\"} 2\n", line: 5, .familyNotContiguous(family: "a")),
        Rejection("# TYPE a gauge\nb 1\n# HELP a late\n", line: 3, .familyNotContiguous(family: "a")),
        Rejection("# TYPE c histogram\nc_sum 1\nd 1\nc_count 1\n# TYPE c_count gauge\n", line: 5, .typeAfterSamples(family: "c_count")),
        Rejection("# TYPE c histogram\nc_sum 1\nd 1\nc_sum 1\n", line: 4, .duplicateSeries(name: "c_sum")),
        Rejection("m{a=\"1\"} 1\nm{a=\"1\"} 2\n", line: 2, .duplicateSeries(name: "m")),
        Rejection("m{a=\"1\",b=\"2\"} 1\nm{b=\"2\",a=\"1\",} 1 5\n", line: 2, .duplicateSeries(name: "m")),
        Rejection("m 1\nm{} 1\n", line: 2, .duplicateSeries(name: "m")),
    ]

    @Test("rejected with the line number and the reason", arguments: rejections)
    func rejected(_ rejection: Rejection) {
        #expect(throws: rejection.error) { try ExpositionParser.parse(rejection.input) }
    }

    @Test("the error says where and why")
    func errorDescription() {
        let error = ExpositionParseError(line: 3, reason: .familyNotContiguous(family: "a"))
        #expect(error.description == "line 3: samples of a are not contiguous")
        #expect(ExportedSnapshotError.notProcSentry.description == "not a proc-sentry exporter")
    }

    // MARK: - Robustness

    @Test("random bytes and mutated expositions parse or throw, and never crash")
    func robustness() {
        var random = SplitMix64(seed: 2024)
        let real = Self.exposition.render(Snapshot.example.adding(names: ["a}b{c,d=e\"\\\n"]))
        let lines = real.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        let interesting = Array("\n\"\\{}=,# \te+-._:0nNI".utf8) + [0x00, 0x80, 0xC3, 0xED, 0xFF]
        var accepted = 0
        var rejected = 0
        for iteration in 0..<3000 {
            var input = real
            switch iteration % 8 {
            case 0:
                input = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            case 1:
                input = (0..<Int.random(in: 0...200, using: &random)).map { _ in interesting.randomElement(using: &random)! }
            case 2:
                input.removeLast(Int.random(in: 0...input.count, using: &random))
            case 3:
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    input[Int.random(in: input.indices, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            case 4:
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    input.insert(interesting.randomElement(using: &random)!, at: Int.random(in: 0...input.count, using: &random))
                }
            case 5:
                let start = Int.random(in: input.indices, using: &random)
                input.removeSubrange(start..<min(input.count, start + Int.random(in: 1...40, using: &random)))
            case 6:
                var shuffled = lines
                shuffled.swapAt(Int.random(in: shuffled.indices, using: &random), Int.random(in: shuffled.indices, using: &random))
                input = Array(shuffled.joined(separator: [UInt8(ascii: "\n")]))
            default:
                // A whole line of a sample repeated, or a digit of a value changed: often still valid.
                let index = Int.random(in: input.indices, using: &random)
                if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(input[index]) {
                    input[index] = UInt8.random(in: UInt8(ascii: "0")...UInt8(ascii: "9"), using: &random)
                } else {
                    var copy = lines
                    copy.insert(lines.randomElement(using: &random)!, at: Int.random(in: 0...copy.count - 1, using: &random))
                    input = Array(copy.joined(separator: [UInt8(ascii: "\n")]))
                }
            }
            do {
                let families = try ExpositionParser.parse(input)
                accepted += 1
                _ = try? ExportedSnapshot(families: families)
            } catch {
                rejected += 1
            }
        }
        // Both outcomes occur, so the inputs are neither all garbage nor all harmless.
        #expect(accepted > 100)
        #expect(rejected > 100)
    }
}

extension Snapshot {
    /// This snapshot with one more selected process (pid 100, 101, …) for each of `names`,
    /// copied from the first process, with that name and user.
    fileprivate func adding(names: [String]) -> Snapshot {
        var snapshot = self
        for (offset, name) in names.enumerated() {
            var process = processes[0]
            process.identity = ProcessIdentity(pid: Int32(100 + offset), startTicks: 1)
            process.name = name
            process.user = name
            process.container = offset.isMultiple(of: 2) ? nil : process.container
            process.listeningPorts = []
            snapshot.processes.append(process)
            snapshot.selected.append(snapshot.processes.count - 1)
        }
        return snapshot
    }
}
