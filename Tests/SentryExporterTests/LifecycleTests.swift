import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Startup logging and shutdown on signals.
@Suite("Lifecycle", .timeLimit(.minutes(2)))
struct LifecycleTests {
    @Test("The startup line names the address actually bound, in logfmt")
    func startupLine() async throws {
        let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
        defer { exporter.stop() }
        let line = try #require(exporter.stderrText.split(separator: "\n").first { $0.contains("Starting proc-sentry") })
        #expect(line.hasPrefix("ts="), "\(line)")
        #expect(line.contains(" level=info "), "\(line)")
        #expect(line.contains("msg=\"Starting proc-sentry on 127.0.0.1:\(exporter.port)\""), "\(line)")
        #expect(exporter.port > 0 && exporter.port != 9105)
        // The logged port is the one serving.
        let response = try await curl(exporter.metricsURL)
        #expect(response.status == 200)
    }

    @Test("--log.format json writes one JSON object per line with ts, level and msg")
    func jsonLogs() async throws {
        let exporter = try await ExporterProcess.start(
            ["--scan.interval", "1s", "--log.format", "json", "--log.level", "debug"])
        defer { exporter.stop() }
        _ = try await exporter.scrape(afterScans: 2)
        exporter.child.send(SIGTERM)
        #expect(await exporter.child.waitForExit(timeout: .seconds(5)))
        #expect(exporter.child.exitStatus == 0)

        let lines = exporter.stderrText.split(separator: "\n")
        var messages: [String] = []
        var nonJSON: [String] = []
        for line in lines {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                nonJSON.append(String(line))
                continue
            }
            for key in ["ts", "level", "msg"] {
                #expect(object[key] is String, "\(key) missing in \(line)")
            }
            if let ts = object["ts"] as? String {
                #expect(ISO8601DateFormatter.withFractionalSeconds.date(from: ts) != nil, "ts \(ts)")
            }
            messages.append(object["msg"] as? String ?? "")
        }
        #expect(messages.contains("Starting proc-sentry on 127.0.0.1:\(exporter.port)"), "\(messages)")
        #expect(messages.contains("Shutting down"), "\(messages)")
        #expect(nonJSON.isEmpty, "stderr lines that are not JSON: \(nonJSON)")
    }

    enum SlowClient: String, Sendable, CaseIterable {
        /// No other connection.
        case none
        /// A connection that sent half a request head.
        case partialHead
        /// A connection in the middle of a request body (a request in flight).
        case partialBody
        /// A connection that sent a complete request and never reads the response.
        case idleKeepAlive
    }

    @Test(
        "SIGTERM and SIGINT end the exporter with status 0 within a second",
        .serialized,  // one at a time: the deadline is 1 s on a 2-core machine
        arguments: [SIGTERM, SIGINT], SlowClient.allCases)
    func signalsEndTheExporter(_ signal: Int32, _ client: SlowClient) async throws {
        // A high-priority busy loop from another test would make this a measure of the scheduler.
        try await Workload.exclusively {
            let exporter = try await ExporterProcess.start(["--scan.interval", "1s"])
            defer { exporter.stop() }
            _ = try await exporter.scrape(afterScans: 1)

            var connection: RawConnection?
            defer { connection?.close() }
            switch client {
            case .none:
                break
            case .partialHead:
                connection = try RawConnection(port: exporter.port)
                try connection?.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow")
            case .partialBody:
                connection = try RawConnection(port: exporter.port)
                try connection?.send("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nabc")
            case .idleKeepAlive:
                connection = try RawConnection(port: exporter.port)
                try connection?.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            }
            // Let the server read what the client sent.
            try await Task.sleep(for: .milliseconds(200))
            #expect(!exporter.child.hasExited)

            let sent = ContinuousClock.now
            exporter.child.send(signal)
            while !exporter.child.hasExited, ContinuousClock.now - sent < .seconds(5) {
                try await Task.sleep(for: .milliseconds(5))
            }
            let elapsed = ContinuousClock.now - sent
            let exited = await exporter.child.waitForExit(timeout: .seconds(10))
            let signalName = signal == SIGTERM ? "SIGTERM" : "SIGINT"
            print("\(signalName) with client \(client): exited after \(elapsed)")
            #expect(exporter.stderrText.contains("msg=\"Shutting down\" signal=\(signalName)"), "\(exporter.stderrText)")

            #expect(elapsed < .seconds(1), "exit took \(elapsed)")
            #expect(exited, "still running 10 s after \(signalName)")
            #expect(exporter.child.process.terminationReason == .exit, "killed by a signal: \(exporter.stderrText)")
            #expect(exporter.child.exitStatus == 0, "stderr: \(exporter.stderrText)")
        }
    }
}

extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
