import Testing
@testable import SentryCore

@Suite("/proc/<pid>/stat")
struct ProcessStatTests {
    @Test("reads every field the collector uses")
    func fields() throws {
        let stat = try #require(parse(
            "13711 (cat) R 13709 13709 1297 0 -1 4194304 101 0 0 0 7 3 0 0 20 0 4 0 91187 3133440 394 18446744073709551615 1 1 0\n",
            ProcessStat.parse))
        #expect(stat.pid == 13711)
        #expect(stat.name.string == "cat")
        #expect(stat.state == .running)
        #expect(stat.parentPID == 13709)
        #expect(stat.userTicks == 7)
        #expect(stat.systemTicks == 3)
        #expect(stat.cpuTicks == 10)
        #expect(stat.threads == 4)
        #expect(stat.startTicks == 91187)
        #expect(stat.virtualBytes == 3_133_440)
        #expect(stat.residentPages == 394)
        #expect(!stat.isKernelThread)
    }

    @Test(
        "takes the name between the first ( and the last )",
        arguments: [
            ("(a b ) ( c d) ", "(a b ) ( c d) "),
            ("a) S 1", "a) S 1"),
            ("x\ny", "x\ny"),
            ("a\"b\\c", "a\"b\\c"),
            ("123456789012345", "123456789012345"),
            ("", ""),
            (" ", " "),
        ])
    func oddNames(comm: String, expected: String) throws {
        let stat = try #require(parse(
            "42 (\(comm)) S 1 42 42 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 77 100 3 0\n", ProcessStat.parse))
        #expect(stat.name.string == expected)
        #expect(stat.state == .sleeping)
        #expect(stat.cpuTicks == 11)
        #expect(stat.startTicks == 77)
    }

    @Test("replaces invalid UTF-8 in names with U+FFFD")
    func invalidUTF8() throws {
        var bytes = Array("9 (ab".utf8)
        bytes += [0xFF, 0xC3]
        bytes += Array(") S 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77 100 3 0\n".utf8)
        let stat = try #require(bytes.withUnsafeBytes { ProcessStat.parse($0) })
        #expect(stat.name.string == "ab\u{FFFD}\u{FFFD}")
        #expect(stat.name.count == 4)
        // Its decoded form is not its bytes, so a collector keeping only that sees a new name.
        #expect(!stat.name.isEncoding(stat.name.string))
    }

    @Test("a name is encoded by its own string, and by no other")
    func nameEncoding() {
        let name = ProcessName(Array("kworker/u8:1-events_unbound".utf8))
        #expect(name.isEncoding(name.string))
        #expect(!name.isEncoding("kworker/u8:1-events_unbounD"))
        #expect(!name.isEncoding("kworker/u8:1-events_unboun"))
        #expect(!name.isEncoding("kworker/u8:1-events_unbound "))
        #expect(ProcessName().isEncoding(""))
    }

    @Test("recognises kernel threads and zombies")
    func kernelThreadsAndZombies() throws {
        let kthread = try #require(parse(
            "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 3 0 0 20 0 1 0 1 0 0 18446744073709551615\n", ProcessStat.parse))
        #expect(kthread.isKernelThread)
        #expect(kthread.residentPages == 0)
        let zombie = try #require(parse(
            "600 (defunct) Z 1 600 600 0 -1 4194564 0 0 0 0 0 0 0 0 20 0 1 0 6000 0 0 0\n", ProcessStat.parse))
        #expect(zombie.state == .zombie)
        #expect(!zombie.isKernelThread)
    }

    @Test(
        "rejects malformed lines",
        arguments: [
            "", "garbage", "12 (name S 1", "12 name) S 1 2 3", "12 (x) S", "12 (x) S 1 2 3 4 5 6 7 8 9 10 11 12",
            "abc (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 77 100 3 0",
            "12 (x) S 1 1 1 0 -1 0 0 0 0 0 99999999999999999999999 1 0 0 20 0 1 0 77 100 3 0",
        ])
    func malformed(line: String) {
        #expect(parse(line, ProcessStat.parse) == nil)
    }

    @Test("keeps workqueue thread names longer than 15 bytes, up to the kernel's 64")
    func longKernelNames() throws {
        let name = "kworker/u8:1-events_unbound"
        let stat = try #require(parse(
            "32 (\(name)) I 2 0 0 0 -1 69238880 0 0 0 0 0 50 0 0 20 0 1 0 3 0 0 0\n", ProcessStat.parse))
        #expect(stat.name.string == name)
        let huge = String(repeating: "x", count: 100)
        let truncated = try #require(parse(
            "33 (\(huge)) I 2 0 0 0 -1 0 0 0 0 0 0 50 0 0 20 0 1 0 3 0 0 0\n", ProcessStat.parse))
        #expect(truncated.name.count == 64)
    }
}

@Suite("/proc/<pid>/status and /proc/<pid>/io")
struct ProcessStatusAndIOTests {
    @Test("status: real and effective UID")
    func uid() throws {
        let status = try #require(parse(
            "Name:\tsudo\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t0\t0\t0\nGid:\t1000\t0\t0\t0\n", ProcessStatus.parse))
        #expect(status.realUID == 1000)
        #expect(status.effectiveUID == 0)
    }

    @Test("status: no Uid line or a broken one is nil", arguments: ["", "Name:\tx\n", "Uid:\tabc\n", "Uid:\t5\n"])
    func statusMalformed(text: String) {
        #expect(parse(text, ProcessStatus.parse) == nil)
    }

    @Test("io: read_bytes and write_bytes, not rchar/wchar nor cancelled_write_bytes")
    func io() throws {
        let io = try #require(parse(
            "rchar: 111\nwchar: 222\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 512\n",
            ProcessIO.parse))
        #expect(io == ProcessIO(readBytes: 4096, writeBytes: 8192))
    }

    @Test("io: missing fields are nil", arguments: ["", "rchar: 1\n", "read_bytes: 1\n", "write_bytes: 1\ncancelled_write_bytes: 3\n"])
    func ioMalformed(text: String) {
        #expect(parse(text, ProcessIO.parse) == nil)
    }
}

@Suite("/proc/stat")
struct SystemStatTests {
    @Test("totals, per-CPU lines, boot time and thread counts")
    func fields() throws {
        let stat = try #require(parse(
            "cpu  33821 10 4402 142867 807 0 316 56 7 0\ncpu0 11773 0 1817 77309 48 0 190 26 0 0\ncpu1 22047 10 2584 65557 758 0 126 29 7 0\nintr 1 2\nbtime 1795603765\nprocs_running 3\nprocs_blocked 1\n",
            SystemStat.parse))
        #expect(stat.perCPU.count == 2)
        #expect(stat.total.idle == 142_867 + 807)
        #expect(stat.total.busy == 33821 + 10 + 4402 + 316 + 56)
        #expect(stat.bootTime == 1_795_603_765)
        #expect(stat.runnableThreads == 3)
        #expect(stat.blockedThreads == 1)
    }

    @Test("busy fraction between two readings")
    func busyFraction() {
        let earlier = CPUTimes(idle: 100, busy: 100)
        let later = CPUTimes(idle: 150, busy: 250)
        #expect(later.busyFraction(since: earlier) == 0.75)
        #expect(earlier.busyFraction(since: earlier) == nil)
        #expect(earlier.busyFraction(since: later) == nil)  // a counter that went back is no time
    }

    @Test("without cpu or btime it is nil", arguments: ["", "cpu  1 2 3 4\n", "btime 5\n"])
    func malformed(text: String) {
        #expect(parse(text, SystemStat.parse) == nil)
    }
}
