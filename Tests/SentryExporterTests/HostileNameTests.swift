import Foundation
import Testing

/// Processes whose names try to break the exposition: quotes, backslashes, newlines, braces,
/// parentheses that mimic /proc/PID/stat's framing, bytes that are not UTF-8.
@Suite("Hostile process names", .timeLimit(.minutes(2)))
struct HostileNameTests {
    struct Case: Sendable, CustomTestStringConvertible {
        /// The bytes written to /proc/self/comm (at most 15).
        let comm: [UInt8]
        /// The name label value as it must appear on the wire, between the quotes.
        let escaped: String
        /// The label value once unescaped.
        let decoded: String
        var testDescription: String { escaped }
    }

    static let cases: [Case] = [
        Case(comm: Array("q\"\\\n{})(=,".utf8), escaped: #"q\"\\\n{})(=,"#, decoded: "q\"\\\n{})(=,"),
        // Mimics the end of the name in /proc/PID/stat: only the last ')' ends it.
        Case(comm: Array("a) R 1 (b".utf8), escaped: "a) R 1 (b", decoded: "a) R 1 (b"),
        Case(comm: [0x78, 0xFF, 0xFE, 0x79, 0xC3], escaped: "x\u{FFFD}\u{FFFD}y\u{FFFD}", decoded: "x\u{FFFD}\u{FFFD}y\u{FFFD}"),
        Case(comm: Array("}\"\n\n\\\"{".utf8), escaped: #"}\"\n\n\\\"{"#, decoded: "}\"\n\n\\\"{"),
        // Carriage return and tab need no escaping in the format; they must pass through unchanged.
        Case(comm: Array("cr\r\ntab\t\r".utf8), escaped: "cr\r\\ntab\t\r", decoded: "cr\r\ntab\t\r"),
    ]

    @Test("Hostile names are escaped exactly, pass promtool, and add no series")
    func hostileNamesAreEscaped() async throws {
        var children: [ChildProcess] = []
        defer { for child in children { child.kill() } }
        for testCase in Self.cases {
            precondition(testCase.comm.count <= 15)
            children.append(try await Workload.memoryHolder(mebibytes: 300, name: testCase.comm))
        }
        for (child, testCase) in zip(children, Self.cases) {
            let comm = try ProcInfo.comm(child.pid)
            #expect(comm == testCase.comm, "the kernel kept another name")
        }
        let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
        defer { exporter.stop() }
        let scrape = try await exporter.scrape(afterScans: 2)

        try await promtoolCheckMetrics(scrape.body, context: "hostile names")

        let user = try ProcInfo.userName(children[0].pid)
        for (child, testCase) in zip(children, Self.cases) {
            let prefix = "proc_process_top_memory_bytes{pid=\"\(child.pid)\","
            let lines = scrape.lines.filter { $0.hasPrefix(prefix) }
            #expect(lines.count == 1, "pid \(child.pid): \(lines)")
            let expected = "\(prefix)name=\"\(testCase.escaped)\",user=\"\(user)\",container_id=\"\"} "
            #expect(lines.first?.hasPrefix(expected) == true, "expected \(expected.debugDescription), got \(lines)")
            let sample = try #require(scrape.sample("proc_process_top_memory_bytes", pid: child.pid))
            #expect(sample.labels["name"] == testCase.decoded)
            #expect(sample.value >= 300 * 1024 * 1024)
            // Every family of the process carries the same name.
            for family in ["proc_process_top_cpu_percent", "proc_process_top_threads", "proc_process_top_rank"] {
                for other in scrape.samples(family, ["pid": String(child.pid)]) {
                    #expect(other.labels["name"] == testCase.decoded, "\(other)")
                }
            }
        }

        // No extra series: one line per process in each per-process family.
        for family in ["proc_process_top_memory_bytes", "proc_process_top_threads", "proc_process_top_cpu_percent"] {
            let lineCount = scrape.lines.count(where: { $0.hasPrefix(family + "{") })
            let pids = scrape.samples(family).compactMap(\.pid)
            #expect(lineCount == Set(pids).count, "\(family): \(lineCount) lines, \(Set(pids).count) PIDs")
            #expect(lineCount == pids.count)
        }
        // Each line is a comment or a sample of a documented family (a broken line would start anywhere).
        #expect(scrape.lines.last == "" && !scrape.lines.dropLast().contains(""), "an empty line inside the exposition")
        for line in scrape.lines.dropLast() where !line.hasPrefix("#") {
            let name = line.unicodeScalars.prefix { $0 != "{" && $0 != " " }
            #expect(documentedFamilies[String(String.UnicodeScalarView(name))] != nil, "stray line: \(line.debugDescription)")
        }
        #expect(scrape.value("proc_sentry_series_exported") == Double(scrape.samples.count))
    }
}
