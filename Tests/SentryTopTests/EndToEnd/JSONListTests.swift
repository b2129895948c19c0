import Foundation
import Testing
import TestSupport

/// `--json` list bounds with a small N, where every list is full and the limit matters.
@Suite("sentry-top end to end: --top-n in --json", .timeLimit(.minutes(3)))
struct JSONListTests {
    @Test("--top-n 3 limits every list to 3, ranked 1…k, and exports only their members")
    func topNLimitsEveryList() async throws {
        let result = try await SentryTopBinary.run(["--json", "--iterations", "2", "-d", "0.5", "--top-n", "3"])
        try #require(result.status == 0, "exit \(String(describing: result.status)): \(result.stderrText)")
        let documents = try TopDocument.all(in: result.stdoutText)
        try #require(documents.count == 2, "one document per refresh: \(result.stdoutText.prefix(500))")
        for document in documents {
            #expect(document.topN == 3)
            #expect(document.listProblems.isEmpty, "\(document.listProblems)")
            // Any machine has three processes with resident memory: that list is full.
            #expect(document.members(of: "memory").count == 3)
            for list in TopDocument.lists {
                #expect(document.members(of: list).count <= 3, "\(list): \(document.members(of: list).map(\.pid))")
            }
            #expect(document.processes.count <= 9, "\(document.processes.map(\.pid))")
        }
    }
}
