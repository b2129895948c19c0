import Foundation
import Testing

/// Short-lived processes, as on a build host or CI runner: their CPU reaches the exporter through
/// their parent's reaped children's CPU, and what is exported adds up to the node's.
@Suite("Exited work", .serialized, .timeLimit(.minutes(2)))
struct ExitedWorkTests {
    @Test("A parent forking short-lived children is first by CPU, its children's CPU is the kernel's, and the exported CPU adds up to /proc/stat")
    func forkingParent() async throws {
        try await Workload.exclusively {
            let parent = try await Workload.forkingParent()
            defer { parent.kill() }
            let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
            defer { exporter.stop() }
            _ = try await exporter.scrape(afterScans: 3)

            var reaped: [Double] = []
            let scans = try await consecutiveScans(exporter, count: 8) {
                reaped.append(try ProcInfo.childrenCPUTicks(parent.pid))
            }
            let pid = String(parent.pid)
            for scan in scans {
                let rank = scan.metrics.samples("proc_process_top_rank", ["pid": pid, "list": "cpu"]).first?.value
                #expect(rank == 1, "the forking parent is not first by CPU:\n\(scan.metrics.samples("proc_process_top_rank"))")
                // What is attributed to processes is the node's busy CPU but for a remainder.
                let busy = scan.attributed + scan.unattributed
                print("scan: attributed \(scan.attributed) %, unattributed \(scan.unattributed) %")
                #expect(scan.attributed >= 0.9 * busy, "attributed \(scan.attributed) % of \(busy) % busy")
            }

            // The parent's children's CPU against the kernel's count of its reaped children.
            let first = scans.first!
            let last = scans.last!
            let seconds = last.time - first.time
            let exported = try #require(last.total("proc_process_top_children_cpu_seconds_total", pid: parent.pid))
                - (try #require(first.total("proc_process_top_children_cpu_seconds_total", pid: parent.pid)))
            let kernel = (reaped.last! - reaped.first!) / 100
            print("children's CPU over \(seconds) s: exporter \(exported) s, kernel \(kernel) s")
            #expect(kernel >= 0.5 * seconds, "the workload used less than half a core: \(kernel) s in \(seconds) s")
            #expect(exported >= 0.85 * kernel && exported <= 1.15 * kernel, "exporter \(exported) s, kernel \(kernel) s")

            // Top plus others plus unattributed, over the scans, against /proc/stat over them.
            var weighted = 0.0
            for (earlier, later) in zip(scans, scans.dropFirst()) {
                weighted += (later.attributed + later.unattributed) * (later.time - earlier.time)
            }
            let exportedBusy = weighted / seconds
            let cpus = Double(ProcessInfo.processInfo.activeProcessorCount)
            let nodeBusy = (last.node.busy - first.node.busy) / (last.node.total - first.node.total) * cpus * 100
            print("busy: exported \(exportedBusy) %, /proc/stat \(nodeBusy) %")
            #expect(abs(exportedBusy - nodeBusy) <= 0.05 * nodeBusy, "exported \(exportedBusy) %, /proc/stat \(nodeBusy) %")
        }
    }

    @Test("A steady burner beside the forking parent still reads its own core, and no children's CPU")
    func burnerBeside() async throws {
        let burner = try await Workload.cpuBurner(niceness: -10)
        defer { burner.kill() }
        let parent = try await Workload.forkingParent()
        defer { parent.kill() }
        let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
        defer { exporter.stop() }
        _ = try await exporter.scrape(afterScans: 3)

        let startTicks = try ProcInfo.cpuTicks(burner.pid)
        let scans = try await consecutiveScans(exporter, count: 4)
        let kernel = (try ProcInfo.cpuTicks(burner.pid) - startTicks) / (scans.last!.time - scans.first!.time + 1)
        for scan in scans {
            let own = try #require(scan.total("proc_process_top_cpu_percent", pid: burner.pid))
            print("burner: \(own) %, kernel about \(kernel) %")
            #expect(own <= 110)
            #expect(own >= (kernel >= 80 ? 70 : kernel - 25), "burner \(own) %, kernel about \(kernel) %")
            #expect(scan.total("proc_process_top_children_cpu_percent", pid: burner.pid) == 0)
            #expect((scan.total("proc_process_top_children_cpu_percent", pid: parent.pid) ?? 0) >= 20)
        }
    }

    @Test("A child that burns 10 s and exits adds only its last moments to its parent, not its lifetime")
    func longChildExits() async throws {
        try await Workload.exclusively {
            let parent = try await Workload.parentOfOneBurner(seconds: 10)
            defer { parent.kill() }
            // Every process exported, so the idle parent's series are there.
            let exporter = try await ExporterProcess.start(["--scan.interval", "1s", "--top-n", "10000"])
            defer { exporter.stop() }
            let before = try await exporter.scrape(afterScans: 2)
            #expect(!parent.stdoutText.contains("reaped"), "the child ended before the exporter saw it")
            let counterBefore = try #require(before.sample("proc_process_top_children_cpu_seconds_total", pid: parent.pid)).value

            var peak = 0.0
            _ = try await exporter.scrape(timeout: .seconds(30), until: "two scans after the reap") { scrape in
                peak = max(peak, scrape.sample("proc_process_top_children_cpu_percent", pid: parent.pid)?.value ?? 0)
                return parent.stdoutText.contains("reaped")
            }
            let after = try await consecutiveScans(exporter, count: 2)
            for scan in after {
                peak = max(peak, scan.total("proc_process_top_children_cpu_percent", pid: parent.pid) ?? 0)
            }
            let counterAfter = try #require(after.last!.total("proc_process_top_children_cpu_seconds_total", pid: parent.pid))
            let kernel = try ProcInfo.childrenCPUTicks(parent.pid) / 100
            print("children's CPU: kernel \(kernel) s, exporter's counter +\(counterAfter - counterBefore) s, peak \(peak) %")
            #expect(kernel >= 9.5, "the child did not burn its 10 s: \(kernel) s")
            #expect(counterAfter - counterBefore <= 1.5, "the child's lifetime counted again: +\(counterAfter - counterBefore) s")
            #expect(peak <= 110, "a spike of \(peak) % when the child was reaped")
        }
    }

    @Test("A container whose processes fork short-lived children: its cgroup's CPU includes them")
    func containerCgroup() async throws {
        let id = "c0ffee" + String(repeating: "5", count: 58)
        // cgroup v1's cpuacct hierarchy where mounted (as on these machines), else cgroup v2.
        let hierarchy = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpuacct/cpuacct.usage")
            ? "/sys/fs/cgroup/cpuacct" : "/sys/fs/cgroup"
        let cgroup = "\(hierarchy)/docker/\(id)"
        try FileManager.default.createDirectory(atPath: cgroup, withIntermediateDirectories: true)
        let usageFile = hierarchy.hasSuffix("cpuacct") ? "\(cgroup)/cpuacct.usage" : "\(cgroup)/cpu.stat"
        func cgroupSeconds() throws -> Double {
            let text = try String(contentsOfFile: usageFile, encoding: .utf8)
            let number = usageFile.hasSuffix("cpu.stat")
                ? text.split(separator: "\n").first { $0.hasPrefix("usage_usec ") }.flatMap { Double($0.dropFirst(11)) }.map { $0 * 1000 }
                : Double(text.trimmingCharacters(in: .whitespacesAndNewlines))
            guard let number else { throw HarnessError("cannot read \(usageFile): \(text)") }
            return number / 1e9
        }
        try await Workload.exclusively {
            let parent = try await Workload.forkingParent(cgroup: cgroup)
            defer {
                parent.kill()
                // A cgroup is removable once its last process (the parent's last child, too) is gone.
                for _ in 0..<100 where rmdir(cgroup) != 0 { usleep(20_000) }
                _ = rmdir((cgroup as NSString).deletingLastPathComponent)
            }
            let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
            defer { exporter.stop() }
            _ = try await exporter.scrape(afterScans: 3)

            var truth: [Double] = []
            let scans = try await consecutiveScans(exporter, count: 4) { truth.append(try cgroupSeconds()) }
            let labels = ["container_id": id, "pod_uid": ""]
            func value(_ scan: ObservedScan, _ name: String) throws -> Double {
                try #require(scan.metrics.samples(name, labels).first?.value, "no \(name) for the container")
            }
            for scan in scans {
                let cgroupPercent = try value(scan, "proc_container_cgroup_cpu_percent")
                let processes = try value(scan, "proc_container_cpu_percent")
                print("container: cgroup \(cgroupPercent) %, its processes' own and children's \(processes) %")
                #expect(cgroupPercent >= 60, "the container's cgroup CPU leaves out its exited processes")
                #expect(processes >= 0.8 * cgroupPercent)
                #expect(scan.metrics.value("proc_sentry_containers_unaccounted", ["reason": "absent"]) == 0)
            }
            let exported = try value(scans.last!, "proc_container_cgroup_cpu_seconds_total")
                - (try value(scans.first!, "proc_container_cgroup_cpu_seconds_total"))
            let kernel = truth.last! - truth.first!
            #expect(abs(exported - kernel) <= 0.1 * kernel, "exporter \(exported) s, cgroup \(kernel) s")
        }
    }
}
