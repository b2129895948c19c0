import Testing
@testable import SentryCore

@Suite("Exposition text format")
struct ExpositionTests {
    private func text(_ body: (inout ExpositionWriter) -> Void) -> String {
        var writer = ExpositionWriter()
        body(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test("HELP, TYPE and samples")
    func family() {
        let output = text { writer in
            writer.family("demo_bytes", .gauge, help: "A demo.\nSecond line with \\ backslash.")
            writer.sample("demo_bytes", 42)
            writer.sample("demo_bytes", LabelSet(["a": "x"]), 1.5)
        }
        #expect(output == """
            # HELP demo_bytes A demo.\\nSecond line with \\\\ backslash.
            # TYPE demo_bytes gauge
            demo_bytes 42
            demo_bytes{a="x"} 1.5

            """)
    }

    @Test("label values escape backslash, quote and newline, and nothing else")
    func escaping() {
        let labels = LabelSet(["name": "a\"b\\c\nd}{)( \u{FFFD}é"])
        let output = text { $0.sample("m", labels, 1) }
        #expect(output == "m{name=\"a\\\"b\\\\c\\nd}{)( \u{FFFD}é\"} 1\n")
    }

    @Test("values: integers without a fraction, floats in shortest form, non-finite as the format spells them")
    func values() {
        let output = text { writer in
            writer.sample("a", 3.0)
            writer.sample("b", 0.25)
            writer.sample("c", 1e-7)
            writer.sample("d", Double.infinity)
            writer.sample("e", -Double.infinity)
            writer.sample("f", Double.nan)
            writer.sample("g", UInt64.max)
            writer.sample("h", -12)
            writer.sample("i", 1e300)
        }
        #expect(output == "a 3\nb 0.25\nc 1e-07\nd +Inf\ne -Inf\nf NaN\ng 18446744073709551615\nh -12\ni 1e+300\n")
    }

    @Test("a snapshot renders every family, the Top N processes only, and counts its samples")
    func snapshot() throws {
        let snapshot = Snapshot.example
        let exposition = Exposition(version: "1.2.3", scans: 7, scanFailures: 1, ownProcess: nil)
        let output = String(decoding: exposition.render(snapshot), as: UTF8.self)
        let labels = #"pid="42",name="we\"ird\nname",user="alice",container_id="8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3""#
        for line in [
            "proc_process_top_cpu_percent{\(labels)} 87.5",
            "proc_process_top_cpu_seconds_total{\(labels)} 12.5",
            "proc_process_top_children_cpu_percent{\(labels)} 40",
            "proc_process_top_children_cpu_seconds_total{\(labels)} 600.5",
            "proc_process_top_memory_bytes{\(labels)} 1048576",
            "proc_process_top_io_read_bytes_per_second{\(labels)} 100",
            "proc_process_top_io_write_bytes_per_second{\(labels)} 200",
            "proc_process_top_io_read_bytes_total{\(labels)} 4096",
            "proc_process_top_io_write_bytes_total{\(labels)} 8192",
            "proc_process_top_threads{\(labels)} 3",
            "proc_process_top_start_time_seconds{\(labels)} 1795600070",
            "proc_process_top_rank{\(labels),list=\"cpu\"} 1",
            "proc_process_top_rank{\(labels),list=\"memory\"} 2",
            "proc_process_top_listening_port_info{\(labels),protocol=\"tcp\",port=\"8080\"} 1",
            "proc_process_others_cpu_percent 2.5",
            "proc_process_others_memory_bytes 4096",
            "proc_process_others_processes 1",
            "proc_process_others_children_cpu_percent 1.5",
            "proc_process_others_children_cpu_seconds_total 31.25",
            // busy 0.5 of 2 CPUs = 100 %, less 87.5 + 40 (selected) and 2.5 + 1.5 (the other)
            "proc_process_unattributed_cpu_percent -31.5",
            "proc_container_cpu_percent{container_id=\"8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3\",pod_uid=\"\"} 127.5",  // own 87.5 + children 40
            "proc_container_processes{container_id=\"8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3\",pod_uid=\"\"} 1",
            "proc_sentry_processes_scanned 2",
            "proc_sentry_processes_selected 1",
            "proc_sentry_scan_unreadable_files{reason=\"permission_denied\"} 3",
            "proc_sentry_scans_total 7",
            "proc_sentry_scan_failures_total 1",
            "proc_sentry_build_info{version=\"1.2.3\"} 1",
        ] {
            #expect(output.contains("\n" + line + "\n"), "missing: \(line)")
        }
        #expect(!output.contains("pid=\"43\""), "an unselected process is not exported")

        let lines = output.split(separator: "\n")
        let samples = lines.filter { !$0.hasPrefix("#") }
        #expect(lines.last == "proc_sentry_series_exported \(samples.count)")
        // Every family's samples directly follow its TYPE line.
        var seen: Set<Substring> = []
        var current: Substring = ""
        for line in lines {
            if line.hasPrefix("# TYPE ") {
                current = line.split(separator: " ")[2]
                #expect(seen.insert(current).inserted, "family \(current) appears twice")
            } else if !line.hasPrefix("#") {
                let name = line.prefix { $0 != "{" && $0 != " " }
                #expect(name == current, "\(name) outside its family")
            }
        }
    }

    @Test("series created: every series of the first rendering, then those the last one lacked")
    func seriesCreated() throws {
        func created(_ bytes: [UInt8]) -> Double? {
            String(decoding: bytes, as: UTF8.self).split(separator: "\n")
                .first { $0.hasPrefix("proc_sentry_series_created_total ") }
                .flatMap { Double($0.split(separator: " ")[1]) }
        }
        var exposition = Exposition(version: "1", scans: 1, scanFailures: 0, ownProcess: nil)
        let snapshot = Snapshot.example
        let first = exposition.renderNext(snapshot)
        let samples = String(decoding: first, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(created(first) == Double(samples.count), "all of the first rendering's series are new")
        #expect(exposition.seriesCreated == samples.count)
        #expect(created(exposition.renderNext(snapshot)) == Double(samples.count), "the same series again: none new")

        // The unselected process is exported now (held): its series are new, values of others are not.
        var changed = snapshot
        changed.processes[1].isHeld = true
        changed.selected = [0, 1]
        changed.processes[0].cpuPercent = 12
        let third = exposition.renderNext(changed)
        let new = String(decoding: third, as: UTF8.self).split(separator: "\n").filter { $0.contains("pid=\"43\"") }.count
        #expect(new == 11, "a held process: its process series, without a rank or ports")
        #expect(created(third) == Double(samples.count + new))
        #expect(!String(decoding: third, as: UTF8.self).contains("proc_process_top_rank{pid=\"43\""))
    }

    @Test("a kernel worker's series are named without the workqueue it serves now, which changes as it runs")
    func kernelWorkerNames() {
        var worker = Snapshot.example.processes[0]
        worker.isKernelThread = true
        for (name, expected) in [
            ("kworker/0:1H-kblockd", "kworker/0:1H"), ("kworker/u8:3+writeback", "kworker/u8:3"),
            ("kworker/1:0", "kworker/1:0"), ("ksoftirqd/0", "ksoftirqd/0"),
        ] {
            worker.name = name
            #expect(worker.seriesName == expected)
        }
        var user = worker
        user.isKernelThread = false
        user.name = "kworker/0:1H-kblockd"
        #expect(user.seriesName == "kworker/0:1H-kblockd", "a user process keeps its name, whatever it is")
    }

    @Test("before the first scan only the exporter's own families are written")
    func noSnapshot() {
        let output = String(decoding: Exposition(version: "1", scans: 0, scanFailures: 0, ownProcess: nil).render(nil), as: UTF8.self)
        #expect(!output.contains("proc_process_top"))
        #expect(output.contains("proc_sentry_build_info{version=\"1\"} 1\n"))
        #expect(output.contains("\nproc_sentry_series_created_total 5\n"))
        #expect(output.hasSuffix("\nproc_sentry_series_exported 5\n"))
    }
}

extension Snapshot {
    /// Two processes, one selected (with an awkward name, a container and a port) and one not.
    static var example: Snapshot {
        let container = Container(id: "8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3", runtime: .docker)
        let selected = ProcessSample(
            identity: ProcessIdentity(pid: 42, startTicks: 7000), name: "we\"ird\nname", state: .running,
            parentPID: 1, isKernelThread: false, uid: 1000, user: "alice", cpuSeconds: 12.5, childrenCPUSeconds: 600.5,
            startTime: 1_795_600_070, residentBytes: 1 << 20, threads: 3, io: ProcessIO(readBytes: 4096, writeBytes: 8192),
            cpuPercent: 87.5, childrenCPUPercent: 40, readBytesPerSecond: 100, writeBytesPerSecond: 200, container: container, ranks: TopRanks(cpu: 1, memory: 2),
            listeningPorts: [ListeningPort(kind: .tcp, port: 8080)])
        var other = selected
        other.identity = ProcessIdentity(pid: 43, startTicks: 8000)
        other.name = "other"
        other.cpuPercent = 2.5
        other.childrenCPUPercent = 1.5
        other.residentBytes = 4096
        other.readBytesPerSecond = 0
        other.writeBytesPerSecond = 0
        other.container = nil
        other.ranks = TopRanks()
        other.listeningPorts = []
        var others = ResourceTotals()
        others.add(other)
        var total = others
        total.add(selected)
        var containerUsage = ResourceTotals()
        containerUsage.add(selected)
        var unreadable = UnreadableCounts()
        unreadable.permissionDenied = 3
        return Snapshot(
            topN: 50, time: 1_795_601_000, scanDuration: 0.01, interval: 15, processes: [selected, other],
            lists: [.cpu: [0], .memory: [0], .io: []], selected: [0], total: total, others: others,
            othersChildrenCPUSeconds: 31.25, processesEntered: 9, processesLeft: 7,
            containers: [ContainerUsage(container: container, usage: containerUsage, ranks: TopRanks(cpu: 1))],
            containersPending: false,
            system: SystemUsage(
                cpuCount: 2, busyFraction: 0.5, perCPUBusyFraction: [0.4, 0.6], bootTime: 1_795_600_000,
                runnableThreads: 1, blockedThreads: 0),
            unreadable: unreadable)
    }
}
