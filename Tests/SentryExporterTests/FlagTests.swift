import Foundation
import Testing

/// Command-line flags and the TOP_N environment variable.
@Suite("Flags", .timeLimit(.minutes(2)))
struct FlagTests {
    struct BadInvocation: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let environment: [String: String]
        /// What the one error line must mention.
        let mentions: String
        var testDescription: String {
            (environment.map { "\($0)=\($1) " }.joined() + arguments.joined(separator: " "))
        }
    }

    static let badInvocations: [BadInvocation] = [
        BadInvocation(arguments: ["--top-n", "0"], environment: [:], mentions: "--top-n"),
        BadInvocation(arguments: ["--top-n", "abc"], environment: [:], mentions: "--top-n"),
        BadInvocation(arguments: ["--top-n", "10001"], environment: [:], mentions: "--top-n"),
        BadInvocation(arguments: ["--top-n", "-1"], environment: [:], mentions: "--top-n"),
        BadInvocation(arguments: ["--scan.interval", "10"], environment: [:], mentions: "--scan.interval"),
        BadInvocation(arguments: ["--scan.interval", "1x"], environment: [:], mentions: "--scan.interval"),
        BadInvocation(arguments: ["--scan.interval", "50ms"], environment: [:], mentions: "--scan.interval"),
        BadInvocation(arguments: ["--web.listen-address", "nonsense"], environment: [:], mentions: "--web.listen-address"),
        BadInvocation(arguments: ["--log.level", "loud"], environment: [:], mentions: "--log.level"),
        BadInvocation(arguments: ["--log.format", "xml"], environment: [:], mentions: "--log.format"),
        BadInvocation(arguments: ["--path.procfs", "/nonexistent"], environment: [:], mentions: "--path.procfs"),
        BadInvocation(arguments: [], environment: ["TOP_N": "abc"], mentions: "TOP_N"),
        BadInvocation(arguments: [], environment: ["TOP_N": "0"], mentions: "TOP_N"),
        BadInvocation(arguments: ["--web.telemetry-path", "metrics"], environment: [:], mentions: "--web.telemetry-path"),
        BadInvocation(arguments: ["--web.telemetry-path", "/"], environment: [:], mentions: "--web.telemetry-path"),
    ]

    @Test("A bad value exits 2 with one stderr line naming the flag", arguments: badInvocations)
    func badValueExitsTwo(_ invocation: BadInvocation) async throws {
        // 127.0.0.1:0 so that an invocation that is wrongly accepted cannot take a shared port;
        // the timeout ends it if it starts serving.
        let arguments =
            invocation.arguments.contains("--web.listen-address")
            ? invocation.arguments : ["--web.listen-address", "127.0.0.1:0"] + invocation.arguments
        let result = try await ExporterProcess.run(arguments, environment: invocation.environment, timeout: .seconds(15))
        expectStartupError(result, mentions: invocation.mentions)
    }

    @Test("A port in use exits 2 with one line naming --web.listen-address")
    func portInUse() async throws {
        let taken = try ListeningSocket()
        defer { taken.close() }
        let result = try await ExporterProcess.run(["--web.listen-address", "127.0.0.1:\(taken.port)"], timeout: .seconds(15))
        expectStartupError(result, mentions: "'--web.listen-address' 127.0.0.1:\(taken.port)")
    }

    @Test("--version prints the version and exits 0")
    func version() async throws {
        let result = try await ExporterProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0", "\(result.stdoutText)")
    }

    @Test("--help mentions every flag and TOP_N, and exits 0")
    func help() async throws {
        let result = try await ExporterProcess.run(["--help"])
        #expect(result.status == 0)
        let help = result.stdoutText + result.stderrText
        for flag in [
            "--web.listen-address", "--web.telemetry-path", "--top-n", "--scan.interval", "--path.procfs",
            "--path.passwd", "--log.level", "--log.format", "--version", "--help", "TOP_N",
        ] {
            #expect(help.contains(flag), "--help does not mention \(flag)")
        }
    }

    @Test("TOP_N sets N when --top-n is absent, and limits every list")
    func topNFromEnvironment() async throws {
        let exporter = try await ExporterProcess.start(["--scan.interval", "1s"], environment: ["TOP_N": "3"])
        defer { exporter.stop() }
        let scrape = try await exporter.scrape(afterScans: 2)
        #expect(scrape.value("proc_sentry_top_n") == 3)
        #expect(exporter.stderrText.contains("top_n=3"), "\(exporter.stderrText)")
        let ranks = scrape.samples("proc_process_top_rank")
        #expect(!ranks.isEmpty)
        #expect(ranks.allSatisfy { (1...3).contains($0.value) }, "\(ranks)")
        for list in ["cpu", "memory", "io"] {
            #expect(ranks.filter { $0.labels["list"] == list }.count <= 3, "list \(list)")
        }
        let scanned = try #require(scrape.value("proc_sentry_processes_scanned"))
        let selected = try #require(scrape.value("proc_sentry_processes_selected"))
        #expect(selected <= 9 && selected >= 3)
        #expect(scrape.value("proc_process_others_processes") == scanned - selected)
    }

    @Test("--top-n beats TOP_N")
    func flagBeatsEnvironment() async throws {
        let exporter = try await ExporterProcess.start(
            ["--scan.interval", "1s", "--top-n", "5"], environment: ["TOP_N": "3"])
        defer { exporter.stop() }
        let scrape = try await exporter.scrape(afterScans: 1)
        #expect(scrape.value("proc_sentry_top_n") == 5)
        #expect(scrape.samples("proc_process_top_rank").contains { $0.value > 3 }, "no rank above 3 with --top-n 5")
    }
}
