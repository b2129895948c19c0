import Foundation
import Testing

/// A process table that changes under the scan: thousands of processes a second start and exit
/// between the listing of /proc and the reading of their files.
@Suite("Process churn", .timeLimit(.minutes(2)))
struct ChurnTests {
    @Test("5,000 forks a second: scrapes keep answering, skips are counted, no negative or absurd rate")
    func churnDuringScans() async throws {
        // The churn takes a core or more: never beside a busy loop of another test, and only
        // once the exporter is up, so that all of it falls on scans.
        try await Workload.exclusively {
            let exporter = try await ExporterProcess.start(["--scan.interval", "200ms"])
            defer { exporter.stop() }
            let churn = try await ChurnGenerator.start(perSecond: 5000, seconds: 6)
            defer { churn.kill() }

            let cpuLimit = Double(ProcessInfo.processInfo.activeProcessorCount) * 100
            var scrapes = 0
            var vanished = 0.0
            var scansSeen = Set<Double>()
            while !churn.child.hasExited {
                let scrape = try await exporter.scrape()  // fails the test on a non-200 or a broken exposition
                scrapes += 1
                scansSeen.insert(scrape.value("proc_sentry_scans_total") ?? 0)
                vanished = max(vanished, scrape.value("proc_sentry_scan_unreadable_files", ["reason": "vanished"]) ?? 0)
                for sample in scrape.samples("proc_process_top_cpu_percent") + scrape.samples("proc_process_others_cpu_percent") {
                    #expect(sample.value >= 0 && sample.value <= cpuLimit, "\(sample)")
                }
                for family in ["proc_process_top_io_read_bytes_per_second", "proc_process_top_io_write_bytes_per_second"] {
                    for sample in scrape.samples(family) {
                        #expect(sample.value >= 0 && sample.value < 1e11, "\(sample)")
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let forked = try churn.forkedCount()
            print("churn: forked \(forked) in 6 s; \(scrapes) scrapes over \(scansSeen.count) scans; vanished files up to \(vanished) per scan")
            // 5,000 a second on a quiet machine; other tests share the cores.
            #expect(forked >= 6 * 1000, "the generator reached only \(forked) forks in 6 s")
            #expect(scansSeen.count >= 5, "the exporter stopped scanning under churn: \(scansSeen.count) scans")
            #expect(vanished > 0, "no vanished process was counted under churn")
            #expect(!exporter.child.hasExited)
        }
    }
}

/// A small C program (built with the toolchain's clang) that forks children at a steady rate,
/// each living 2 ms, at most 256 at once, for a bounded time and never past its parent.
struct ChurnGenerator {
    let child: ChildProcess
    let directory: TemporaryDirectory

    static let source = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/wait.h>
        #include <time.h>
        #include <unistd.h>
        static double now(void) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            return t.tv_sec + t.tv_nsec / 1e9;
        }
        int main(int argc, char **argv) {
            double rate = atof(argv[1]), seconds = atof(argv[2]), start = now();
            long started = 0;
            int alive = 0;
            pid_t parent = getppid();
            printf("ready\\n");
            fflush(stdout);
            while (now() - start < seconds && getppid() == parent) {
                while (alive > 0 && waitpid(-1, NULL, WNOHANG) > 0) alive--;
                if (started >= (now() - start) * rate || alive >= 256) { usleep(100); continue; }
                pid_t pid = fork();
                if (pid == 0) { usleep(2000); _exit(0); }
                if (pid > 0) { started++; alive++; }
            }
            while (alive > 0 && waitpid(-1, NULL, 0) > 0) alive--;
            printf("forked %ld\\n", started);
            return 0;
        }
        """

    static func start(perSecond rate: Int, seconds: Int) async throws -> ChurnGenerator {
        let directory = try TemporaryDirectory("churn")
        try directory.write("churn.c", source)
        let clang = try #require(
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
                .map { "\($0)/clang" }.first { FileManager.default.isExecutableFile(atPath: $0) },
            "clang (part of the Swift toolchain) is not on PATH")
        let build = try await runCommand(clang, ["-O2", "-o", directory.path("churn"), directory.path("churn.c")])
        try #require(build.status == 0, "clang: \(build.stderrText)")
        let child = try ChildProcess(directory.path("churn"), [String(rate), String(seconds)], label: "churn")
        _ = try await poll(timeout: .seconds(10), interval: .milliseconds(20), "the churn generator") {
            child.stdoutText.hasPrefix("ready") ? true : nil
        }
        return ChurnGenerator(child: child, directory: directory)
    }

    /// What the generator reported when it finished.
    func forkedCount() throws -> Int {
        let line = try #require(child.stdoutText.split(separator: "\n").first { $0.hasPrefix("forked ") })
        return try #require(Int(line.dropFirst("forked ".count)))
    }

    func kill() {
        child.kill()
        directory.remove()
    }
}
