import Foundation
import Testing

/// The selection rules against real processes: what they keep out, and what they never lose.
@Suite("Selection rules end to end", .serialized, .timeLimit(.minutes(2)))
struct SelectionRulesEndToEndTests {
    @Test("children alive at one scan only are never exported with the default rules; with --top.min-scans 1 they are")
    func oneScanFlashes() async throws {
        try await Workload.exclusively {
            let parent = try await Workload.forkingParent(childName: "flash-child")
            defer { parent.kill() }
            for (arguments, expectsChildren) in [([String](), false), (["--top.min-scans", "1", "--top.hold", "0"], true)] {
                let exporter = try await ExporterProcess.start(["--scan.interval", "1s"] + arguments)
                defer { exporter.stop() }
                _ = try await exporter.scrape(afterScans: 2)
                var children = Set<String>()
                for scan in try await consecutiveScans(exporter, count: 6) {
                    #expect(scan.metrics.sample("proc_process_top_cpu_percent", pid: parent.pid) != nil, "the parent is exported")
                    for sample in scan.metrics.samples("proc_process_top_memory_bytes") where sample.labels["name"] == "flash-child" {
                        children.insert(sample.labels["pid"] ?? "")
                    }
                }
                print("\(arguments): \(children.count) children exported over 6 scans")
                #expect(children.isEmpty == !expectsChildren, "\(arguments): children exported: \(children.sorted())")
            }
        }
    }

    @Test("a new steady hog is exported at its second scan, and stays")
    func newHogWithinTwoScans() async throws {
        let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
        defer { exporter.stop() }
        _ = try await exporter.scrape(afterScans: 2)
        let burner = try await Workload.cpuBurner()
        defer { burner.kill() }
        // Scans that started once the burner runs: the first sees it new, the second exports it.
        let started = Date().timeIntervalSince1970
        var after: [ObservedScan] = []
        while after.count < 4 {
            after += try await consecutiveScans(exporter, count: 1).filter { $0.time > started }
        }
        let ranks = after.map { $0.metrics.samples("proc_process_top_rank", ["pid": String(burner.pid), "list": "cpu"]).first?.value }
        print("burner's CPU rank in the scans after it started: \(ranks)")
        #expect(ranks.dropFirst().allSatisfy { $0 != nil }, "not in the CPU list from its second scan on: \(ranks)")
    }
}
