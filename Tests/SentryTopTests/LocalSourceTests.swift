import SentryCore
import Testing
@testable import sentry_top

@Suite("Local source: the rows a refresh builds")
struct LocalSourceTests {
    @Test("the exported set by default, every scanned process when asked for")
    func rowsByScope() throws {
        // N = 1 on this machine's /proc: at most three of its processes are exported.
        let source = try LocalSource(configuration: CollectorConfiguration(topN: 1))
        let exported = try source.refresh(FrameRequest(everyProcess: false)).get()
        #expect(!exported.processes.isEmpty)
        #expect(exported.processes.count == exported.header.selectedCount)
        #expect(exported.processes.allSatisfy { $0.isExported })

        let every = try source.refresh(FrameRequest(everyProcess: true)).get()
        #expect(every.processes.count == every.header.processCount)
        #expect(every.processes.count > every.header.selectedCount ?? 0)
        #expect(every.processes.contains { !$0.isExported })
    }

    @Test("the first refresh reads the exported processes' containers only, and the next the rest")
    func firstRefreshDefersContainers() throws {
        let source = try LocalSource(configuration: CollectorConfiguration(topN: 1))
        let first = try source.refresh(FrameRequest(everyProcess: false)).get()
        #expect(first.containersPending)
        #expect(first.containers.isEmpty)
        #expect(first.header.seriesCount == nil, "the container series are not counted yet")
        let second = try source.refresh(FrameRequest(everyProcess: false)).get()
        #expect(!second.containersPending)
        #expect(second.header.seriesCount != nil)
    }

    @Test("a first refresh of every process reads every container")
    func firstRefreshOfEveryProcess() throws {
        let source = try LocalSource(configuration: CollectorConfiguration(topN: 1))
        let every = try source.refresh(FrameRequest(everyProcess: true)).get()
        #expect(!every.containersPending)
        #expect(every.header.seriesCount != nil)
    }
}
