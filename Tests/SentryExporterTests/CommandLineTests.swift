import Foundation
import Testing

/// `--collector.cmdline`: command lines are private unless asked for, and then exported exactly.
@Suite("Command lines", .timeLimit(.minutes(2)))
struct CommandLineTests {
    @Test("Without --collector.cmdline no command line, and no secret in one, is exported")
    func privateByDefault() async throws {
        let secret = "s3cret-\(UInt64.random(in: 0...UInt64.max))"
        let holder = try await Workload.memoryHolder(mebibytes: 300, extraArguments: ["--password=\(secret)"])
        defer { holder.kill() }
        let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
        defer { exporter.stop() }
        let scrape = try await exporter.scrape(afterScans: 1)
        #expect(scrape.sample("proc_process_top_memory_bytes", pid: holder.pid) != nil, "the holder is not selected")
        #expect(!scrape.text.contains(secret))
        #expect(!scrape.text.contains("cmdline"))
    }

    @Test("With --collector.cmdline the command line is one exactly escaped label that passes promtool")
    func exportedWhenAskedFor() async throws {
        let hostile = "q\"\\\n{}) (x=\"1\"} 2\n# TYPE"
        let holder = try await Workload.memoryHolder(mebibytes: 300, extraArguments: ["--token=t0k", hostile])
        defer { holder.kill() }
        let exporter = try await ExporterProcess.start(["--scan.interval", "1s", "--collector.cmdline"])
        defer { exporter.stop() }
        let scrape = try await exporter.scrape(afterScans: 1)
        try await promtoolCheckMetrics(scrape.body, context: "command lines")

        let expected = try String(contentsOfFile: "/proc/\(holder.pid)/cmdline", encoding: .utf8)
            .replacing("\u{0}", with: " ").trimmingCharacters(in: .whitespaces)
        #expect(expected.hasSuffix("--token=t0k " + hostile))
        let samples = scrape.samples("proc_process_top_cmdline_info", ["pid": String(holder.pid)])
        #expect(samples.count == 1, "\(samples)")
        #expect(samples.first?.labels["cmdline"] == String(expected.utf8.prefix(512))! + (expected.utf8.count > 512 ? "…" : ""))
        #expect(samples.first?.value == 1)
        // One series per selected process, and none from the hostile text.
        let memoryPIDs = Set(scrape.samples("proc_process_top_memory_bytes").compactMap(\.pid))
        let commandLinePIDs = scrape.samples("proc_process_top_cmdline_info").compactMap(\.pid)
        #expect(commandLinePIDs.count == Set(commandLinePIDs).count)
        #expect(Set(commandLinePIDs).isSubset(of: memoryPIDs))
        #expect(scrape.samples.allSatisfy { !$0.labels.keys.contains("x") })
        #expect(scrape.value("proc_sentry_series_exported") == Double(scrape.samples.count))
    }
}
