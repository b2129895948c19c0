import Foundation
import Testing

@testable import SentryCore

@Suite("Users on the live /proc")
struct EffectiveUIDTests {
    @Test("the user is the effective UID, also for a non-dumpable process whose files are root's")
    func effectiveUIDOfNonDumpableProcess() throws {
        try #require(geteuid() == 0, "changing a child's UIDs needs root")
        let (child, firstLine) = try startPythonChild(
            "import ctypes, os, sys, time\nos.setresuid(1000, 65534, 1000)\n"
                + "ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0\nprint('ready', flush=True)\ntime.sleep(60)")
        defer { kill(child.processIdentifier, SIGKILL) }
        #expect(firstLine == "ready")
        // The premise: status is root's now, the directory is the effective UID's.
        var info = stat()
        #expect(stat("/proc/\(child.processIdentifier)/status", &info) == 0 && info.st_uid == 0)

        let collector = try Collector(configuration: CollectorConfiguration(keptDescriptorLimit: 1024))
        let sample = try #require(try collector.scan().process(child.processIdentifier))
        #expect(sample.uid == 65534)
    }
}
