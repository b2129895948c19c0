import Foundation

/// Workload processes with known resource use, for the exporter to find.
///
/// Each is a python3 program that exits by itself when its parent (the test runner) goes away or
/// after two minutes, so a crashed test run leaves nothing behind; tests still `kill()` them.
public enum Workload {
    /// Shared preamble: a watchdog on the parent and on a deadline.
    private static let preamble = """
        import os, sys, time
        parent = os.getppid()
        deadline = time.time() + 120
        def alive():
            return os.getppid() == parent and time.time() < deadline

        """

    /// A process that keeps one core busy (a pure-Python loop: one thread), at `niceness` if
    /// it may change it (negative needs root or CAP_SYS_NICE; otherwise it stays at 0).
    ///
    /// One at a time on the machine, whichever test target or test run starts them: each
    /// holds an exclusive lock (`flock`, released when it dies) from before it is ready. Two
    /// would tie for the first row of the CPU list, and two niced ones would leave the other
    /// tests on a 2-core machine no core at all.
    public static func cpuBurner(niceness: Int = 0) async throws -> ChildProcess {
        let script = preamble + """
            import fcntl
            lock = open(sys.argv[2], 'a')
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                os.setpriority(os.PRIO_PROCESS, 0, int(sys.argv[1]))
            except OSError:
                pass
            print('ready', flush=True)
            while alive():
                for _ in range(200000):
                    pass

            """
        return try await start(script, [String(niceness), burnerLockPath], label: "burner")
    }

    /// Runs `body` holding the lock every `cpuBurner` holds while it lives: no busy loop, and
    /// no other test that runs `exclusively` (heavy loads such as churn or slowloris, and
    /// timings they would distort on a 2-core machine), runs beside it. Polls for the lock
    /// rather than blocking, so waiting never ties up a thread another test needs.
    public static func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        let fd = open(burnerLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HarnessError("cannot open \(burnerLockPath): errno \(errno)") }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await body()
    }

    /// The lock file of `cpuBurner`, shared by every test process on the machine.
    private static let burnerLockPath = FileManager.default.temporaryDirectory
        .appendingPathComponent("proc-sentry-e2e-cpu-burner.lock").path

    /// A process holding `mebibytes` of resident memory (every page written), optionally
    /// renamed (its `comm`, written after exec) to `name`, and filling its memory at
    /// `niceness` if it may (so that a niced busy loop does not starve it for many seconds).
    /// `extraArguments` end its command line and are otherwise ignored.
    public static func memoryHolder(
        mebibytes: Int, name: [UInt8]? = nil, niceness: Int = 0, extraArguments: [String] = []
    ) async throws -> ChildProcess {
        let script = preamble + """
            try:
                os.setpriority(os.PRIO_PROCESS, 0, int(sys.argv[2]))
            except OSError:
                pass
            block = b'x' * (int(sys.argv[1]) << 20)  # bytes(...) * n writes every page
            if sys.argv[3]:
                with open('/proc/self/comm', 'wb') as comm:
                    comm.write(bytes.fromhex(sys.argv[3]))
            print('ready', flush=True)
            while alive():
                time.sleep(0.2)

            """
        let hexName = name.map { $0.map { String(format: "%02x", $0) }.joined() } ?? ""
        return try await start(
            script, [String(mebibytes), String(niceness), hexName] + extraArguments, label: "memory")
    }

    /// A parent that forks short-lived children one after another and waits for each: every
    /// child burns `burnMilliseconds` of CPU and exits, so together they keep about one core
    /// busy (100 to 200 children a second with the default) while no scan sees most of them.
    /// With `cgroup`, it first moves itself (and so its children) into that cgroup directory;
    /// with `childName`, each child names itself so (its `comm`) before it burns.
    public static func forkingParent(
        burnMilliseconds: Int = 6, cgroup: String? = nil, childName: String? = nil
    ) async throws -> ChildProcess {
        let script = preamble + """
            if sys.argv[2]:
                with open(sys.argv[2] + '/cgroup.procs', 'w') as procs:
                    procs.write(str(os.getpid()))
            burn = int(sys.argv[1]) / 1000
            print('ready', flush=True)
            while alive():
                child = os.fork()
                if child == 0:
                    if sys.argv[3]:
                        with open('/proc/self/comm', 'w') as comm:
                            comm.write(sys.argv[3])
                    start = time.process_time()
                    while time.process_time() - start < burn:
                        pass
                    os._exit(0)
                os.waitpid(child, 0)

            """
        return try await start(
            script, [String(burnMilliseconds), cgroup ?? "", childName ?? ""], label: "forking parent")
    }

    /// A parent whose one child burns CPU for `seconds` and exits; the parent reaps it, prints
    /// `reaped`, and then sleeps (it stays, with the child's CPU in its `cutime`).
    public static func parentOfOneBurner(seconds: Double) async throws -> ChildProcess {
        let script = preamble + """
            print('ready', flush=True)
            child = os.fork()
            if child == 0:
                start = time.process_time()
                while time.process_time() - start < float(sys.argv[1]):
                    pass
                os._exit(0)
            os.waitpid(child, 0)
            print('reaped', flush=True)
            while alive():
                time.sleep(0.2)

            """
        return try await start(script, [String(seconds)], label: "parent of one burner")
    }

    /// Starts `python3 -c script arguments…` and waits for it to print `ready`.
    private static func start(_ script: String, _ arguments: [String], label: String) async throws -> ChildProcess {
        let child = try ChildProcess(Tools.python3, ["-c", script] + arguments, label: label)
        do {
            // Generous: on a loaded 2-core machine, starting python and filling memory can take long.
            _ = try await poll(timeout: .seconds(60), interval: .milliseconds(20), "\(label) child to be ready") { () -> Bool? in
                if child.stdoutText.contains("ready") { return true }
                if child.hasExited { throw HarnessError("\(label) child exited: \(child.stderrText)") }
                return nil
            }
        } catch {
            child.kill()
            throw error
        }
        return child
    }
}

/// What the kernel reports about a process right now.
public enum ProcInfo {
    /// `/proc/<pid>/comm` without its trailing newline, as raw bytes.
    public static func comm(_ pid: Int32) throws -> [UInt8] {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/comm")))
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        return bytes
    }

    /// `VmRSS` from `/proc/<pid>/status`, in bytes.
    public static func residentBytes(_ pid: Int32) throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kibibytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { throw HarnessError("no VmRSS for \(pid)") }
        return kibibytes * 1024
    }

    /// The whole machine's busy and total CPU ticks from `/proc/stat`'s `cpu` line, counted as
    /// the exporter counts them: idle and iowait are idle, guest time is inside user and nice.
    public static func nodeCPUTicks() throws -> (busy: Double, total: Double) {
        let stat = try String(contentsOfFile: "/proc/stat", encoding: .utf8)
        guard let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else {
            throw HarnessError("no cpu line in /proc/stat")
        }
        let values = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard values.count == 8 else { throw HarnessError("bad cpu line in /proc/stat: \(line)") }
        let idle = values[3] + values[4]
        return (values.reduce(0, +) - idle, values.reduce(0, +))
    }

    /// cutime + cstime from `/proc/<pid>/stat`: the CPU of the children it reaped, in clock ticks.
    public static func childrenCPUTicks(_ pid: Int32) throws -> Double {
        try statFields(pid, 13...14).reduce(0, +)
    }

    /// utime + stime from `/proc/<pid>/stat`, in clock ticks.
    public static func cpuTicks(_ pid: Int32) throws -> Double {
        try statFields(pid, 11...12).reduce(0, +)
    }

    /// Numeric fields of `/proc/<pid>/stat` after the name: position 0 is field 3 (state), so
    /// utime (field 14) is 11.
    private static func statFields(_ pid: Int32, _ positions: ClosedRange<Int>) throws -> [Double] {
        let stat = try String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/stat")), as: UTF8.self)
        guard let close = stat.lastIndex(of: ")") else { throw HarnessError("bad stat for \(pid)") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > positions.upperBound else { throw HarnessError("bad stat for \(pid)") }
        return try positions.map { position in
            guard let value = Double(fields[position]) else { throw HarnessError("bad stat for \(pid)") }
            return value
        }
    }

    /// What each open descriptor of a process refers to (`readlink` of `/proc/<pid>/fd/*`:
    /// `socket:[123]`, `/proc/1/stat`, ...); descriptors closed while listing are left out.
    public static func openDescriptors(_ pid: Int32) throws -> [String] {
        let directory = "/proc/\(pid)/fd"
        return try FileManager.default.contentsOfDirectory(atPath: directory).compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + $0)
        }
    }

    /// The user name the exporter should show for a process: its effective UID in /etc/passwd.
    public static func userName(_ pid: Int32) throws -> String {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else {
            throw HarnessError("no Uid for \(pid)")
        }
        let uid = String(line.split(whereSeparator: { $0 == "\t" || $0 == " " })[2])
        let passwd = (try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? ""
        for entry in passwd.split(separator: "\n") {
            let fields = entry.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count > 2, fields[2] == uid { return String(fields[0]) }
        }
        return uid
    }
}
