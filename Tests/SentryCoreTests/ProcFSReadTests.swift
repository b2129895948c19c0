import Foundation
import Testing

@testable import SentryCore

@Suite("Reading whole files")
struct ProcFSReadTests {
    /// Sizes around the 16 KiB the buffer starts with: a one-record read that fills the buffer
    /// must read on, and one that does not must not lose anything.
    @Test("a file comes whole in either shape, smaller, as large as or larger than the buffer",
          arguments: [1, 4095, 16 << 10, (16 << 10) + 1, 40_000])
    func wholeFile(size: Int) throws {
        let tree = try FakeProc()
        let content = String((0..<size).map { index in Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(index % 26))) })
        tree.write("7/cgroup", content)
        let procFS = try ProcFS(root: tree.root)
        for shape in [ProcFS.FileShape.oneRecord, .records] {
            let text = try procFS.read(pid: 7, "cgroup", shape: shape) { String(decoding: $0, as: UTF8.self) }
            #expect(text.utf8.count == size)
            #expect(text == content)
        }
    }

    @Test("procfs: one read of a process's stat or cgroup gives what reading to the end does")
    func oneRecordOnProcfs() throws {
        let procFS = try ProcFS()
        let pid = getpid()
        let stat = try #require(try procFS.read(pid: pid, "stat", shape: .oneRecord, ProcessStat.parse))
        #expect(stat.parentPID == getppid())
        // cgroup does not change between the reads (stat, io and status count what the reads do).
        let once = try procFS.read(pid: pid, "cgroup", shape: .oneRecord) { Array($0) }
        let toTheEnd = try procFS.read(pid: pid, "cgroup", shape: .records) { Array($0) }
        #expect(!once.isEmpty)
        #expect(once == toTheEnd)
    }
}

@Suite("A live procfs or a copy")
struct ProcFSLivenessTests {
    @Test("/proc is live, and its self link names this process")
    func liveProc() throws {
        let procFS = try ProcFS()
        #expect(procFS.isLive)
        #expect(procFS.selfPID == getpid())
    }

    /// The fixture tree has a `self` link (to 700, a process with listening ports), as
    /// prometheus/procfs's does: the link must not make it pass for this process's procfs.
    @Test("a copied tree with a self link is not live: no self PID, no directory owners as UIDs")
    func copiedTreeWithSelfLink() throws {
        let procFS = try ProcFS(root: Fixtures.proc)
        #expect(!procFS.isLive)
        #expect(procFS.selfPID == nil)
        #expect(!procFS.directoryOwnerIsEffectiveUID)
    }
}
