import Foundation
import Glibc
@testable import SentryCore

/// The checked-in fixture tree next to this file.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let proc = directory.appendingPathComponent("proc").path
    static let passwd = directory.appendingPathComponent("passwd").path
}

/// Runs a pure parser on the bytes of `text`.
func parse<T>(_ text: String, _ parser: (UnsafeRawBufferPointer) -> T?) -> T? {
    Array(text.utf8).withUnsafeBytes { parser($0) }
}

/// A clock the test moves by hand.
final class ManualClock: ScanClock, @unchecked Sendable {
    var sinceBoot: Double
    var wallClock: Double

    init(sinceBoot: Double = 1000, wallClock: Double = 1_795_601_000) {
        self.sinceBoot = sinceBoot
        self.wallClock = wallClock
    }

    func advance(by seconds: Double) {
        sinceBoot += seconds
        wallClock += seconds
    }

    func now() -> ScanInstant { ScanInstant(sinceBoot: sinceBoot, wallClock: wallClock) }
}

/// A fake proc root in a temporary directory that a test rewrites between scans.
final class FakeProc {
    let root: String
    let passwd: String
    /// A sysfs root beside the tree, empty until a test writes cgroup files into it (`writeSys`).
    let sysRoot: String

    /// An empty tree with a two-CPU `/proc/stat`, or a copy of `template` (such as the fixture tree).
    init(copying template: String? = nil) throws {
        // On tmpfs where there is one: creating files on the disk's filesystem took about a
        // millisecond each here, seconds for a tree of a few hundred processes.
        let scratch = access("/dev/shm", W_OK) == 0 ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        let base = scratch.appendingPathComponent("proc-sentry-\(UUID().uuidString)")
        root = base.appendingPathComponent("proc").path
        passwd = base.appendingPathComponent("passwd").path
        sysRoot = base.appendingPathComponent("sys").path
        try FileManager.default.createDirectory(atPath: base.path, withIntermediateDirectories: true)
        // Readable by the unprivileged user permission tests switch to.
        chmod(base.path, 0o755)
        if let template {
            try FileManager.default.copyItem(atPath: template, toPath: root)
        } else {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            setSystemTicks(busy: 0, idle: 0)
        }
        try "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n".write(
            toFile: passwd, atomically: false, encoding: .utf8)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().path)
    }

    /// Writes `/proc/stat` for two CPUs with the given cumulative ticks each.
    func setSystemTicks(busy: UInt64, idle: UInt64) {
        write("stat", "cpu  \(2 * busy) 0 0 \(2 * idle) 0 0 0 0 0 0\ncpu0 \(busy) 0 0 \(idle) 0 0 0 0 0 0\ncpu1 \(busy) 0 0 \(idle) 0 0 0 0 0 0\nbtime 1795600000\n")
    }

    /// Writes (or rewrites) one process; `io` nil leaves out the `io` file.
    ///
    /// `childrenTicks` is the reaped children's CPU (`cutime`; `cstime` stays 0).
    func setProcess(
        pid: Int32, name: String = "worker", parentPID: Int32 = 1, cpuTicks: UInt64 = 0, childrenTicks: UInt64 = 0,
        startTicks: UInt64 = 100, residentPages: UInt64 = 100, io: (read: UInt64, write: UInt64)? = (0, 0),
        uid: UInt32 = 0, cgroup: String = "0::/system.slice/worker.service"
    ) {
        write(
            "\(pid)/stat",
            "\(pid) (\(name)) S \(parentPID) \(pid) \(pid) 0 -1 4194560 0 0 0 0 \(cpuTicks) 0 \(childrenTicks) 0 20 0 1 0 \(startTicks) 1000000 \(residentPages) 0\n")
        write("\(pid)/status", "Name:\t\(name)\nUid:\t\(uid)\t\(uid)\t\(uid)\t\(uid)\n")
        if let io {
            write("\(pid)/io", "read_bytes: \(io.read)\nwrite_bytes: \(io.write)\n")
        } else {
            try? FileManager.default.removeItem(atPath: "\(root)/\(pid)/io")
        }
        write("\(pid)/cgroup", cgroup + "\n")
    }

    func removeProcess(_ pid: Int32) {
        try? FileManager.default.removeItem(atPath: "\(root)/\(pid)")
    }

    /// Writes a file under the sysfs root (`fs/cgroup/...`).
    func writeSys(_ relativePath: String, _ contents: String) {
        guard mkdir(sysRoot, 0o755) == 0 || errno == EEXIST else { fatalError("mkdir \(sysRoot): errno \(errno)") }
        write(relativePath, contents, under: sysRoot)
    }

    /// Writes a file, creating the directories on its way.
    ///
    /// With plain system calls: trees of hundreds of processes took Foundation seconds to write.
    func write(_ relativePath: String, _ contents: String, under root: String? = nil) {
        let root = root ?? self.root
        let path = "\(root)/\(relativePath)"
        var directory = root
        for component in relativePath.split(separator: "/").dropLast() {
            directory += "/\(component)"
            guard mkdir(directory, 0o755) == 0 || errno == EEXIST else { fatalError("mkdir \(directory): errno \(errno)") }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { fatalError("open \(path): errno \(errno)") }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            fatalError("write \(path): errno \(errno)")
        }
    }

    /// A collector of this tree. The naive selection by default, so that a test of rates or
    /// reading sees a process in a list from its first scan; `SelectionRulesTests` pass others.
    func collector(topN: Int = 50, selection: SelectionRules = .naive, clock: any ScanClock) throws -> Collector {
        try Collector(
            configuration: CollectorConfiguration(
                procRoot: root, passwdPath: passwd, sysRoot: sysRoot, topN: topN, selection: selection,
                clockTicksPerSecond: 100, pageSize: 4096),
            clock: clock)
    }
}

// glibc has setfsuid, but Swift's Glibc module does not import <sys/fsuid.h>.
@_silgen_name("setfsuid") private func setfsuid(_ uid: UInt32) -> Int32

/// Runs `body` with this thread's file-system UID switched to `nobody`, so permission checks
/// apply even when the tests run as root. The switch is per thread and `body` is synchronous,
/// so concurrently running tests are unaffected.
func asUnprivilegedUser<T>(_ body: () throws -> T) rethrows -> T {
    let previous = setfsuid(65534)
    defer { _ = setfsuid(UInt32(previous)) }
    return try body()
}

extension Snapshot {
    /// The sample of `pid`, if scanned.
    func process(_ pid: Int32) -> ProcessSample? {
        processes.first { $0.pid == pid }
    }
}

/// A python3 child running `script`, once it has printed its first line (which is returned):
/// a live process with known properties for tests on the real /proc. Kill it when done.
func startPythonChild(_ script: String, inNewNetworkNamespace: Bool = false) throws -> (child: Process, firstLine: String) {
    let child = Process()
    if inNewNetworkNamespace {
        // The new namespace's loopback starts down. unshare and sh exec python3, so the
        // child's PID is the script's.
        child.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        child.arguments = ["--net", "/bin/sh", "-c", "ip link set lo up && exec \"$@\"", "sh", "/usr/bin/python3", "-c", script]
    } else {
        child.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        child.arguments = ["-c", script]
    }
    let output = Pipe()
    child.standardOutput = output
    try child.run()
    let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
    return (child, line.trimmingCharacters(in: .whitespacesAndNewlines))
}
