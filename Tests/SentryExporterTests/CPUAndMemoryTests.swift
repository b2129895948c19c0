import Foundation
import Testing

/// The exporter's numbers against what the kernel says about processes with known use.
@Suite("CPU and memory truth", .timeLimit(.minutes(2)))
struct CPUAndMemoryTests {
    @Test("A busy loop shows about one core and leads the CPU list; a 200 MiB holder shows its RSS")
    func cpuAndMemoryMatchTheKernel() async throws {
        // Niced up (we may be root) so that it keeps a core while builds and the other tests run.
        let burner = try await Workload.cpuBurner(niceness: -10)
        defer { burner.kill() }
        let holder = try await Workload.memoryHolder(mebibytes: 200)
        defer { holder.kill() }
        let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
        defer { exporter.stop() }

        // Scans 1 and 2 are 1 s apart; wait for scan 3 so the rate covers a full steady interval.
        _ = try await exporter.scrape(afterScans: 3)

        // The truth: the burner's own CPU ticks over a window that contains the next scan interval.
        let windowStart = Date().timeIntervalSince1970
        let ticksAtStart = try ProcInfo.cpuTicks(burner.pid)
        let scrape = try await exporter.scrape(until: "a scan that started 1.1 s after the window") { scrape in
            (scrape.value("proc_sentry_last_scan_timestamp_seconds") ?? 0) >= windowStart + 1.1
        }
        let windowEnd = Date().timeIntervalSince1970
        let ticksAtEnd = try ProcInfo.cpuTicks(burner.pid)
        let truePercent = (ticksAtEnd - ticksAtStart) / (windowEnd - windowStart)  // 100 ticks/s = 100 %
        let residentNow = try ProcInfo.residentBytes(holder.pid)

        // CPU: about one core; on a loaded machine, what the kernel measured in the same window.
        let cpu = try #require(
            scrape.sample("proc_process_top_cpu_percent", pid: burner.pid),
            "burner \(burner.pid) missing from proc_process_top_cpu_percent:\n\(scrape.samples("proc_process_top_cpu_percent"))")
        print("burner: exporter \(cpu.value) %, kernel over the window \(truePercent) %")
        #expect(cpu.value <= 110, "more than one core for a single thread: \(cpu)")
        if truePercent >= 80 {
            #expect(cpu.value >= 70, "burner should be about one core: \(cpu), kernel says \(truePercent) %")
        } else {
            // Another build is competing for the 2 cores: the exporter must still match the kernel.
            #expect(abs(cpu.value - truePercent) <= 25, "exporter \(cpu.value) % vs kernel \(truePercent) %")
            #expect(cpu.value >= 15, "a busy loop below 15 % of a core: \(cpu)")
        }
        let cpuRank = try #require(
            scrape.samples("proc_process_top_rank", ["pid": String(burner.pid), "list": "cpu"]).first,
            "burner not ranked in the CPU list")
        #expect((1...3).contains(cpuRank.value), "burner's CPU rank: \(cpuRank)")
        let cpuSeconds = try #require(scrape.sample("proc_process_top_cpu_seconds_total", pid: burner.pid))
        // From a scan inside the window: between the kernel's counts at its start and end.
        #expect(
            cpuSeconds.value >= ticksAtStart / 100 - 0.01 && cpuSeconds.value <= ticksAtEnd / 100 + 0.01,
            "\(cpuSeconds) outside [\(ticksAtStart / 100), \(ticksAtEnd / 100)]")

        // Memory: RSS within 10 % of VmRSS read now, and ranked in the memory list.
        let memory = try #require(
            scrape.sample("proc_process_top_memory_bytes", pid: holder.pid),
            "holder \(holder.pid) missing from proc_process_top_memory_bytes")
        print("holder: exporter \(memory.value) B, VmRSS \(residentNow) B")
        #expect(residentNow >= 200 * 1024 * 1024, "the holder is not resident: \(residentNow)")
        #expect(abs(memory.value - residentNow) <= residentNow * 0.10, "exporter \(memory) vs VmRSS \(residentNow)")
        let memoryRank = try #require(
            scrape.samples("proc_process_top_rank", ["pid": String(holder.pid), "list": "memory"]).first,
            "holder not in the memory list")
        #expect(memoryRank.value >= 1 && memoryRank.value <= (scrape.value("proc_sentry_top_n") ?? 0))

        // Labels: names as the kernel's comm, the user of the process, no container.
        for (child, sample) in [(burner, cpu), (holder, memory)] {
            let comm = String(decoding: try ProcInfo.comm(child.pid), as: UTF8.self)
            let user = try ProcInfo.userName(child.pid)
            #expect(sample.labelOrder == ["pid", "name", "user", "container_id"], "\(sample)")
            #expect(sample.labels["name"] == comm, "\(sample)")
            #expect(sample.labels["user"] == user, "\(sample)")
            #expect(sample.labels["container_id"] == "", "\(sample)")
        }
        #expect(cpu.labels["user"] == NSUserName() || cpu.labels["user"] == "root")
    }
}
