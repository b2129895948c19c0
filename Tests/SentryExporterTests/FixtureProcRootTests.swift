import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The exporter pointed at a fake proc tree and passwd file (`--path.procfs`, `--path.passwd`).
@Suite("Fixture proc root", .timeLimit(.minutes(2)))
struct FixtureProcRootTests {
    static let dockerID = "8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3"
    static let kubernetesID = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c"
    static let podUID = "6b5f1e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
    static let bootTime = 1_700_000_000

    struct FakeProcess {
        let pid: Int
        let comm: String
        let uid: Int
        var userTicks: Int
        let systemTicks: Int
        let threads: Int
        let startTicks: Int
        let residentPages: Int
        var readBytes: Int
        var writeBytes: Int
        let cgroup: String

        var stat: String {
            // Fields 1-24 as proc_pid_stat(5) lists them, then the rest of a real line.
            "\(pid) (\(comm)) S 1 \(pid) \(pid) 0 -1 4194560 1200 0 3 0 \(userTicks) \(systemTicks) 0 0 20 0 "
                + "\(threads) 0 \(startTicks) \(residentPages * 4 * 4096) \(residentPages) 18446744073709551615 "
                + "94123659444224 94123659464105 140732180544784 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 "
                + "94123659480112 94123659481728 94124336144384 140732180552401 140732180552421 "
                + "140732180552421 140732180553707 0\n"
        }

        var status: String {
            """
            Name:\t\(comm)
            Umask:\t0022
            State:\tS (sleeping)
            Tgid:\t\(pid)
            Ngid:\t0
            Pid:\t\(pid)
            PPid:\t1
            TracerPid:\t0
            Uid:\t\(uid)\t\(uid)\t\(uid)\t\(uid)
            Gid:\t\(uid)\t\(uid)\t\(uid)\t\(uid)
            FDSize:\t64
            Threads:\t\(threads)

            """
        }

        var io: String {
            """
            rchar: \(readBytes + 12345)
            wchar: \(writeBytes + 678)
            syscr: 42
            syscw: 17
            read_bytes: \(readBytes)
            write_bytes: \(writeBytes)
            cancelled_write_bytes: 0

            """
        }

        func write(to root: TemporaryDirectory) throws {
            try root.writeAtomically("\(pid)/stat", stat)
            try root.writeAtomically("\(pid)/status", status)
            try root.writeAtomically("\(pid)/io", io)
            try root.writeAtomically("\(pid)/cgroup", cgroup)
        }
    }

    static func fixture() -> [FakeProcess] {
        [
            FakeProcess(
                pid: 100, comm: "fixture-web", uid: 1001, userTicks: 250, systemTicks: 50, threads: 4,
                startTicks: 12345, residentPages: 2560, readBytes: 4096, writeBytes: 8192,
                cgroup: """
                    12:memory:/system.slice/docker-\(dockerID).scope
                    0::/system.slice/docker-\(dockerID).scope

                    """),
            FakeProcess(
                pid: 200, comm: "fixture db", uid: 0, userTicks: 7, systemTicks: 3, threads: 1,
                startTicks: 500, residentPages: 512, readBytes: 0, writeBytes: 0,
                cgroup: "0::/user.slice/user-1000.slice/session-1.scope\n"),
            FakeProcess(
                pid: 300, comm: "kube-app", uid: 4242, userTicks: 1, systemTicks: 1, threads: 7,
                startTicks: 99999, residentPages: 1024, readBytes: 1, writeBytes: 2,
                cgroup: "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                    + Self.podUID.replacingOccurrences(of: "-", with: "_")
                    + ".slice/cri-containerd-\(kubernetesID).scope\n"),
        ]
    }

    static let systemStat = """
        cpu  62419 0 5984 171425 962 0 368 138 0 0
        cpu0 24558 0 2527 93238 71 0 223 68 0 0
        cpu1 37860 0 3457 78186 891 0 145 70 0 0
        intr 1 0 0
        ctxt 123456
        btime \(bootTime)
        processes 17500
        procs_running 2
        procs_blocked 0
        softirq 1 0 0

        """

    static let passwd = """
        # a fixture passwd: not /etc/passwd
        fixtureroot:x:0:0:root:/root:/bin/sh
        webuser:x:1001:1001::/home/web:/usr/sbin/nologin

        """

    @Test("Names, users, containers, memory and times come from the fixture; rates follow its counters")
    func fixtureRoot() async throws {
        let root = try TemporaryDirectory("procfs")
        defer { root.remove() }
        let passwdDirectory = try TemporaryDirectory("passwd")
        defer { passwdDirectory.remove() }
        try root.writeAtomically("stat", Self.systemStat)
        var processes = Self.fixture()
        for process in processes { try process.write(to: root) }
        try passwdDirectory.writeAtomically("passwd", Self.passwd)

        let exporter = try await ExporterProcess.start([
            "--scan.interval", "1s", "--path.procfs", root.path, "--path.passwd", passwdDirectory.path("passwd"),
        ])
        defer { exporter.stop() }
        #expect(exporter.stderrText.contains("path_procfs=\(root.path)"))
        let scrape = try await exporter.scrape(afterScans: 2)
        try await promtoolCheckMetrics(scrape.body, context: "fixture")

        #expect(scrape.value("proc_sentry_processes_scanned") == 3)
        #expect(scrape.value("proc_sentry_processes_selected") == 3)
        #expect(scrape.value("proc_process_others_processes") == 0)
        #expect(scrape.value("proc_sentry_scan_failures_total") == 0)
        // The exporter's own start time counts from this kernel's boot, not the fixture's (2023).
        let ownStart = try #require(scrape.value("process_start_time_seconds"))
        #expect(abs(ownStart - Date().timeIntervalSince1970) < 120, "process_start_time_seconds \(ownStart)")

        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let expected: [(pid: Int32, name: String, user: String, container: String)] = [
            (100, "fixture-web", "webuser", Self.dockerID),
            (200, "fixture db", "fixtureroot", ""),
            (300, "kube-app", "4242", Self.kubernetesID),
        ]
        for (process, labels) in zip(processes, expected) {
            let memory = try #require(scrape.sample("proc_process_top_memory_bytes", pid: labels.pid))
            #expect(memory.labels == ["pid": String(labels.pid), "name": labels.name, "user": labels.user, "container_id": labels.container])
            #expect(memory.value == Double(process.residentPages) * pageSize)
            #expect(scrape.sample("proc_process_top_threads", pid: labels.pid)?.value == Double(process.threads))
            let cpuSeconds = try #require(scrape.sample("proc_process_top_cpu_seconds_total", pid: labels.pid))
            #expect(abs(cpuSeconds.value - Double(process.userTicks + process.systemTicks) / ticks) < 1e-9, "\(cpuSeconds)")
            let start = try #require(scrape.sample("proc_process_top_start_time_seconds", pid: labels.pid))
            #expect(abs(start.value - (Double(Self.bootTime) + Double(process.startTicks) / ticks)) < 1e-6, "\(start)")
            #expect(scrape.sample("proc_process_top_io_read_bytes_total", pid: labels.pid)?.value == Double(process.readBytes))
            #expect(scrape.sample("proc_process_top_io_write_bytes_total", pid: labels.pid)?.value == Double(process.writeBytes))
            // Unchanged counters: zero rates.
            #expect(scrape.sample("proc_process_top_cpu_percent", pid: labels.pid)?.value == 0)
            #expect(scrape.sample("proc_process_top_io_read_bytes_per_second", pid: labels.pid)?.value == 0)
        }
        // Memory ranks follow RSS: 100 (2560 pages), 300 (1024), 200 (512).
        for (pid, rank) in [(100, 1.0), (300, 2.0), (200, 3.0)] {
            #expect(scrape.value("proc_process_top_rank", ["pid": String(pid), "list": "memory"]) == rank, "pid \(pid)")
        }

        // Containers: one series per container, with the pod UID for the Kubernetes one.
        let containers = scrape.samples("proc_container_processes")
        #expect(containers.count == 2, "\(containers)")
        #expect(scrape.value("proc_container_processes", ["container_id": Self.dockerID, "pod_uid": ""]) == 1)
        #expect(scrape.value("proc_container_processes", ["container_id": Self.kubernetesID, "pod_uid": Self.podUID]) == 1)
        #expect(scrape.value("proc_container_memory_bytes", ["container_id": Self.dockerID]) == 2560 * pageSize)

        // Rates: the web process reads 10 MiB/s, writes 1 MiB/s and uses half a core, its
        // counters advanced every 100 ms while the test watches, so every scan interval (1 s)
        // sees about the same rates however late a scrape comes on a busy machine.
        let ticksPerStep = Int(ticks / 20)
        var maxRead = 0.0
        var rates: (read: Double, write: Double, cpu: Double)?
        var ioRank: Double?
        var seen: [String] = []
        var steps = 0
        let started = ContinuousClock.now
        while ContinuousClock.now < started + .seconds(20) {
            processes[0].readBytes += 1 << 20
            processes[0].writeBytes += 1 << 17
            processes[0].userTicks += ticksPerStep
            try processes[0].write(to: root)
            steps += 1
            try await Task.sleep(for: .milliseconds(100))
            guard steps % 5 == 0 else { continue }
            let scrape = try await exporter.scrape()
            let read = scrape.sample("proc_process_top_io_read_bytes_per_second", pid: 100)?.value ?? 0
            seen.append(
                "scan \(scrape.value("proc_sentry_scans_total") ?? -1) at \(scrape.value("proc_sentry_last_scan_timestamp_seconds") ?? -1): "
                    + scrape.samples(["pid": "100"]).map(\.line).joined(separator: "; "))
            if read > maxRead {
                maxRead = read
                ioRank = scrape.value("proc_process_top_rank", ["pid": "100", "list": "io"])
                rates = (
                    read, scrape.sample("proc_process_top_io_write_bytes_per_second", pid: 100)?.value ?? 0,
                    scrape.sample("proc_process_top_cpu_percent", pid: 100)?.value ?? 0
                )
            }
            if steps >= 40, maxRead > 0 { break }
        }
        let measured = try #require(rates, "no rates within 20 s; scrapes: \(seen)")
        let mebibyte = Double(1 << 20)
        let stepsPerSecond = 10.0
        // Steps come late on a busy machine, never early: the rates are at most the nominal ones.
        #expect(measured.read > 4 * mebibyte && measured.read < 1.2 * stepsPerSecond * mebibyte, "read \(measured.read) B/s; \(seen)")
        // Written with the reads, in the same file: exactly an eighth of them.
        #expect(abs(measured.write / measured.read - 1.0 / 8) < 1e-9, "write \(measured.write) vs read \(measured.read)")
        // Half a core per 10 MiB/s, give or take a step read before or after the io file.
        let expectedCPU = 50 * measured.read / (stepsPerSecond * mebibyte)
        #expect(abs(measured.cpu - expectedCPU) < 15, "CPU \(measured.cpu) %, expected about \(expectedCPU)")
        #expect(ioRank == 1)
        // A scan that started after the last step has the final counter.
        let scansAtEnd = try await exporter.scrape().value("proc_sentry_scans_total") ?? 0
        let after = try await exporter.scrape(until: "a scan after the last step") {
            ($0.value("proc_sentry_scans_total") ?? 0) >= scansAtEnd + 2
        }
        #expect(after.sample("proc_process_top_io_read_bytes_total", pid: 100)?.value == Double(processes[0].readBytes))
    }
}

extension TemporaryDirectory {
    /// Writes through a temporary file and a rename, so the exporter never reads half a file.
    func writeAtomically(_ relative: String, _ text: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file, options: .atomic)
    }
}
