import SentryCore
import Testing
@testable import sentry_top

@Suite("Local source: the rows a refresh builds")
struct LocalSourceTests {
    @Test("the exported set by default, every scanned process when asked for")
    func rowsByScope() throws {
        // N = 1 on this machine's /proc: at most three of its processes are exported.
        let source = try LocalSource(configuration: CollectorConfiguration(topN: 1))
        let exported = try source.refresh(everyProcess: false).get()
        #expect(!exported.processes.isEmpty)
        #expect(exported.processes.count == exported.header.selectedCount)
        #expect(exported.processes.allSatisfy { $0.isExported })

        let every = try source.refresh(everyProcess: true).get()
        #expect(every.processes.count == every.header.processCount)
        #expect(every.processes.count > every.header.selectedCount ?? 0)
        #expect(every.processes.contains { !$0.isExported })
    }
}
