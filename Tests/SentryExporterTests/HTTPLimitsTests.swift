import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The HTTP server's bounds: --web.max-connections, --web.read-timeout, --web.idle-timeout,
/// and hundreds of clients that open connections and send nothing or a head byte by byte.
@Suite("HTTP limits", .timeLimit(.minutes(3)))
struct HTTPLimitsTests {
    static let scrapeRequest = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    static let keepAliveRequest = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    /// One scrape on a new connection: its duration from connect to the server's close, and the response.
    private func timedScrape(port: Int) throws -> (elapsed: Duration, response: HTTPResponse) {
        let start = ContinuousClock.now
        let (head, body) = try RawConnection.exchange(port: port, Self.scrapeRequest)
        let elapsed = ContinuousClock.now - start
        return (elapsed, try HTTPResponse(head: head, body: body))
    }

    private func sockets(of pid: Int32) throws -> Int {
        try ProcInfo.openDescriptors(pid).filter { $0.hasPrefix("socket:") }.count
    }

    private func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    private func describe(_ durations: [Duration]) -> String {
        let sorted = durations.map(milliseconds).sorted()
        guard !sorted.isEmpty else { return "none" }
        return String(
            format: "n=%d min %.1f ms, median %.1f ms, max %.1f ms", sorted.count, sorted[0], sorted[sorted.count / 2],
            sorted[sorted.count - 1])
    }

    @Test(
        "Slowloris: 400 connections sending nothing or a head byte by byte, reopened when closed; scrapes still answer within 200 ms and descriptors stay within the default cap of 64"
    )
    func slowloris() async throws {
        // Timings: no high-priority busy loop from another test on this 2-core machine.
        try await Workload.exclusively {
            // Default limits (64 connections, 10 s read timeout): the cap, not a timeout, is what
            // keeps the scrapes answered within the 5 s of the attack.
            let exporter = try await ExporterProcess.startStable()
            defer { exporter.stop() }
            let cap = 64

            var before: [Duration] = []
            for _ in 0..<5 {
                let (elapsed, response) = try timedScrape(port: exporter.port)
                #expect(response.status == 200)
                before.append(elapsed)
            }
            // What process_open_fds would report (the exposition is not re-rendered within the 1m
            // scan interval, so the descriptors are counted in /proc/PID/fd directly). With no scan
            // running, the kept descriptors (2 per scanned process) do not change.
            let descriptorsBefore = try ProcInfo.openDescriptors(exporter.pid).count
            let socketsBefore = try sockets(of: exporter.pid)

            enum Kind: CaseIterable { case silent, partialHead, drip }
            func open(_ kind: Kind) throws -> RawConnection {
                let connection = try RawConnection(port: exporter.port)
                switch kind {
                case .silent: break
                case .partialHead: try? connection.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slo")
                case .drip: try? connection.send("GET /metrics HTTP/1.1\r\nX-Slow: ")
                }
                return connection
            }
            var attackers: [(kind: Kind, connection: RawConnection)] = []
            defer { for attacker in attackers { attacker.connection.close() } }
            for index in 0..<400 {
                let kind = Kind.allCases[index % Kind.allCases.count]
                attackers.append((kind, try open(kind)))
            }

            var during: [Duration] = []
            var failures: [String] = []
            var maxDescriptors = 0
            var maxSockets = 0
            var reopened = 0
            for _ in 0..<25 {
                // Each drip connection sends one more byte of its header value; closed ones are
                // reopened, at most 50 per round (250 per second), to keep up the pressure.
                var reopenBudget = 50
                for index in attackers.indices {
                    let (kind, connection) = attackers[index]
                    if !connection.isOpen {
                        guard reopenBudget > 0 else { continue }
                        reopenBudget -= 1
                        connection.close()
                        attackers[index].connection = try open(kind)
                        reopened += 1
                    } else if kind == .drip {
                        try? connection.send("a")
                    }
                }
                do {
                    let (elapsed, response) = try timedScrape(port: exporter.port)
                    if response.status != 200 { failures.append(response.statusLine) }
                    during.append(elapsed)
                } catch {
                    failures.append("\(error)")
                }
                maxDescriptors = max(maxDescriptors, try ProcInfo.openDescriptors(exporter.pid).count)
                maxSockets = max(maxSockets, try sockets(of: exporter.pid))
                try await Task.sleep(for: .milliseconds(200))
            }
            let stillOpen = attackers.filter { $0.connection.isOpen }.count

            print(
                "slowloris: scrapes before \(describe(before)); during \(describe(during)); descriptors \(descriptorsBefore) before, at most \(maxDescriptors) during; sockets \(socketsBefore) before, at most \(maxSockets) during; \(reopened) attacker connections reopened, \(stillOpen) of \(attackers.count) open at the end"
            )
            #expect(failures.isEmpty, "scrapes that failed during the attack: \(failures)")
            #expect(during.count == 25)
            for elapsed in during {
                #expect(elapsed < .milliseconds(200), "a scrape took \(elapsed) during the attack (\(describe(during)))")
            }
            // The listener and at most `cap` connections, plus one just accepted whose eviction of
            // another is in flight.
            #expect(maxSockets <= socketsBefore + cap + 1, "\(maxSockets) sockets (\(socketsBefore) before)")
            #expect(
                maxDescriptors <= descriptorsBefore + cap + 1,
                "\(maxDescriptors) descriptors during the attack, \(descriptorsBefore) before")
            // The attack was real: the server closed most attackers, who came back.
            #expect(reopened >= 200, "only \(reopened) attacker connections were closed by the server")
            #expect(stillOpen <= cap, "\(stillOpen) attacker connections still open")

            for attacker in attackers { attacker.connection.close() }
            #expect(!exporter.child.hasExited)
            #expect(try timedScrape(port: exporter.port).response.status == 200)
        }
    }

    @Test("--web.max-connections 4: a scrape takes the place of the connection that waited longest without a request")
    func connectionCap() async throws {
        // Timings: nothing heavy may run beside.
        try await Workload.exclusively {
            let exporter = try await ExporterProcess.startStable(["--web.max-connections", "4"])
            defer { exporter.stop() }
            // A keep-alive connection that was answered, then three that send nothing.
            let answered = try RawConnection(port: exporter.port)
            defer { answered.close() }
            try answered.send(Self.keepAliveRequest)
            #expect(try answered.receiveResponse(timeout: .seconds(10))?.status == 200)
            var silent: [RawConnection] = []
            defer { for connection in silent { connection.close() } }
            for _ in 0..<3 {
                silent.append(try RawConnection(port: exporter.port))
                try await Task.sleep(for: .milliseconds(50))  // distinct ages
            }
            try await Task.sleep(for: .milliseconds(200))
            #expect(answered.isOpen && silent.allSatisfy { $0.isOpen }, "closed below the cap")

            // The fifth connection closes the one idle longest: the answered keep-alive one.
            let (elapsed, response) = try timedScrape(port: exporter.port)
            #expect(response.status == 200)
            #expect(elapsed < .seconds(1))
            try await Task.sleep(for: .milliseconds(200))
            #expect(!answered.isOpen, "the longest-waiting connection was not closed")
            #expect(silent.allSatisfy { $0.isOpen })
            // Then the silent ones, oldest first (the scrape's connection closed: back to 4).
            silent.append(try RawConnection(port: exporter.port))
            try await Task.sleep(for: .milliseconds(100))
            #expect(try timedScrape(port: exporter.port).response.status == 200)
            try await Task.sleep(for: .milliseconds(200))
            #expect(silent.map(\.isOpen) == [false, true, true, true])
            #expect(try sockets(of: exporter.pid) <= 1 + 4)
        }
    }

    /// Waits for the server to close `connection`; how long that took from `start`, nil if it
    /// did not within `timeout`.
    private func closedAfter(_ connection: RawConnection, since start: ContinuousClock.Instant, timeout: Duration) -> Duration? {
        let (_, closed) = connection.receiveAll(timeout: timeout)
        return closed ? ContinuousClock.now - start : nil
    }

    @Test("--web.read-timeout 1s closes a connection that sends nothing, or its head too slowly, after 1 s")
    func readTimeout() async throws {
        // Timings: nothing heavy may run beside.
        try await Workload.exclusively {
            let exporter = try await ExporterProcess.startStable(["--web.read-timeout", "1s", "--web.idle-timeout", "3s"])
            defer { exporter.stop() }

            // Nothing at all.
            var start = ContinuousClock.now
            let silent = try RawConnection(port: exporter.port)
            defer { silent.close() }
            let silentClosed = closedAfter(silent, since: start, timeout: .seconds(5))
            #expect(silentClosed.map { $0 >= .milliseconds(900) && $0 < .milliseconds(2500) } == true, "\(String(describing: silentClosed))")

            // A head sent a header line every 200 ms: sending does not extend the deadline.
            start = ContinuousClock.now
            let drip = try RawConnection(port: exporter.port)
            defer { drip.close() }
            try drip.send("GET /metrics HTTP/1.1\r\n")
            var dripClosed: Duration?
            for index in 0..<25 {
                try await Task.sleep(for: .milliseconds(200))
                do { try drip.send("X-Slow-\(index): a\r\n") } catch { break }
                if !drip.isOpen { break }
            }
            dripClosed = closedAfter(drip, since: start, timeout: .seconds(1))
            #expect(dripClosed.map { $0 >= .milliseconds(900) && $0 < .milliseconds(2500) } == true, "\(String(describing: dripClosed))")

            // A second request on a keep-alive connection that starts after 500 ms idle and never
            // ends: closed 1 s after its first byte (the 3 s idle timeout would be 2.5 s later).
            let keepAlive = try RawConnection(port: exporter.port)
            defer { keepAlive.close() }
            try keepAlive.send(Self.keepAliveRequest)
            #expect(try keepAlive.receiveResponse(timeout: .seconds(10))?.status == 200)
            try await Task.sleep(for: .milliseconds(500))
            start = ContinuousClock.now
            try keepAlive.send("GET /metrics HTTP/1.1\r\nHost:")
            let partialClosed = closedAfter(keepAlive, since: start, timeout: .seconds(5))
            #expect(partialClosed.map { $0 >= .milliseconds(900) && $0 < .milliseconds(2000) } == true, "\(String(describing: partialClosed))")

            // A complete request within the timeout is answered.
            #expect(try timedScrape(port: exporter.port).response.status == 200)
        }
    }

    @Test("--web.idle-timeout 3s: a keep-alive connection serves requests 2 s apart, and closes 3 s after its last response")
    func idleTimeout() async throws {
        // Timings: nothing heavy may run beside.
        try await Workload.exclusively {
            let exporter = try await ExporterProcess.startStable(["--web.read-timeout", "1s", "--web.idle-timeout", "3s"])
            defer { exporter.stop() }
            let connection = try RawConnection(port: exporter.port)
            defer { connection.close() }
            for _ in 0..<2 {
                try connection.send(Self.keepAliveRequest)
                let response = try connection.receiveResponse(timeout: .seconds(10))
                #expect(response?.status == 200)
                // Longer than the read timeout, shorter than the idle timeout.
                try await Task.sleep(for: .seconds(2))
                #expect(connection.isOpen, "closed while idle for less than the idle timeout")
            }
            try connection.send(Self.keepAliveRequest)
            #expect(try connection.receiveResponse(timeout: .seconds(10))?.status == 200)
            let start = ContinuousClock.now
            let closed = closedAfter(connection, since: start, timeout: .seconds(8))
            #expect(closed.map { $0 >= .milliseconds(2800) && $0 < .milliseconds(4500) } == true, "\(String(describing: closed))")
        }
    }

    @Test("The limits' defaults in --help: 64 connections, 10s read, 1m idle")
    func defaultsInHelp() async throws {
        let result = try await ExporterProcess.run(["--help"])
        #expect(result.status == 0)
        let help = result.stdoutText.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
        for (flag, value) in [("--web.max-connections", "64"), ("--web.read-timeout", "10s"), ("--web.idle-timeout", "1m")] {
            let pattern = "\(flag) <[^>]+> .*?\\(default: \(value)\\)"
            #expect(help.range(of: pattern, options: .regularExpression) != nil, "\(flag) default \(value) not in: \(help)")
        }
    }

    @Test(
        "A bad limit exits 2 with one line naming the flag",
        arguments: [
            ["--web.max-connections", "0"], ["--web.max-connections", "many"], ["--web.read-timeout", "0s"],
            ["--web.read-timeout", "10"], ["--web.idle-timeout", "1x"],
        ])
    func badLimit(_ arguments: [String]) async throws {
        let result = try await ExporterProcess.run(["--web.listen-address", "127.0.0.1:0"] + arguments, timeout: .seconds(15))
        #expect(result.status == 2, "stderr: \(result.stderrText)")
        let lines = result.stderrText.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("sentry-exporter: error: ") && lines[0].contains(arguments[0]), "\(result.stderrText)")
    }
}
