import Foundation
import Testing

/// `--health-check`, the image's HEALTHCHECK: against real exporters (plain, TLS, basic auth,
/// client certificates), a closed port, a wrong path and a server that never answers.
@Suite("Health check", .timeLimit(.minutes(3)))
struct HealthCheckTests {
    /// Runs `sentry-exporter --health-check` with `arguments`.
    static func check(_ arguments: [String]) async throws -> CommandResult {
        try await runCommand(ExporterProcess.binaryPath, ["--health-check"] + arguments, timeout: .seconds(20))
    }

    @Test("Plain HTTP: 0 while the exporter serves, 1 on a closed port and on a path that answers 404")
    func plain() async throws {
        let exporter = try await ExporterProcess.start([])
        let address = ["--web.listen-address", "127.0.0.1:\(exporter.port)"]
        let healthy = try await Self.check(address)
        #expect(healthy.status == 0, "\(healthy.stderrText)")
        #expect(healthy.stdoutText.contains("healthy: http://127.0.0.1:\(exporter.port)/metrics"), "\(healthy.stdoutText)")
        // Every interface, as the image's default listen address is: the check goes to the loopback.
        #expect(try await Self.check(["--web.listen-address", ":\(exporter.port)"]).status == 0)

        let wrongPath = try await Self.check(address + ["--web.telemetry-path", "/elsewhere"])
        #expect(wrongPath.status == 1)
        #expect(wrongPath.stderrText.contains("answered 404"), "\(wrongPath.stderrText)")

        exporter.stop()
        let closed = try await Self.check(address)
        #expect(closed.status == 1)
        #expect(closed.stderrText.contains("unhealthy: GET http://127.0.0.1:\(exporter.port)/metrics"), "\(closed.stderrText)")
    }

    @Test("TLS with basic auth: the check speaks TLS and counts the 401 it must get as healthy; plain HTTP fails")
    func tlsAndBasicAuth() async throws {
        let certificates = try await TestCertificates()
        let yaml = """
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
            basic_auth_users:
              alice: \(try await bcryptHash("correct horse"))
            """
        let exporter = try await WebConfigTests.startExporter(yaml, in: certificates.directory)
        defer { exporter.stop() }
        let address = ["--web.listen-address", "127.0.0.1:\(exporter.port)"]
        let web = ["--web.config.file", certificates.path("web.yml")]
        let healthy = try await Self.check(address + web)
        #expect(healthy.status == 0, "\(healthy.stderrText)")
        #expect(healthy.stdoutText.contains("https://"), "\(healthy.stdoutText)")
        // Without the file the check speaks plain HTTP, which a TLS server does not answer.
        #expect(try await Self.check(address).status == 1)
    }

    @Test("Client certificates: the check presents the server's own, so it passes where the client CA signed it")
    func clientCertificates() async throws {
        let certificates = try await TestCertificates()
        // The server's certificate signed by the client CA, as where one CA signs both.
        try certificates.directory.write(
            "web.yml",
            """
            tls_server_config:
              cert_file: prometheus.crt
              key_file: prometheus.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
            """)
        let web = ["--web.config.file", certificates.path("web.yml")]
        let exporter = try await ExporterProcess.start(web)
        let healthy = try await Self.check(["--web.listen-address", "127.0.0.1:\(exporter.port)"] + web)
        #expect(healthy.status == 0, "\(healthy.stderrText)")
        exporter.stop()

        // A self-signed server certificate the client CA does not vouch for: refused, and said so.
        try certificates.directory.write(
            "self-signed.yml",
            """
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
            """)
        let selfSigned = ["--web.config.file", certificates.path("self-signed.yml")]
        let refusing = try await ExporterProcess.start(selfSigned)
        defer { refusing.stop() }
        let refused = try await Self.check(["--web.listen-address", "127.0.0.1:\(refusing.port)"] + selfSigned)
        #expect(refused.status == 1)
        #expect(refused.stderrText.contains("unhealthy"), "\(refused.stderrText)")
    }

    @Test("A server that accepts and never answers fails the check within its timeout")
    func silentServer() async throws {
        let listener = try ChildProcess(
            "/usr/bin/python3",
            ["-c", "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
                + "print(s.getsockname()[1], flush=True); time.sleep(60)"],
            label: "silent-server")
        defer { listener.kill() }
        let port = try await poll(timeout: .seconds(10), "the silent server's port") {
            Int(listener.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let started = ContinuousClock.now
        let result = try await Self.check(["--web.listen-address", "127.0.0.1:\(port)"])
        #expect(result.status == 1)
        #expect(result.stderrText.contains("no response within 4000ms"), "\(result.stderrText)")
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test("Port 0 is refused with exit code 2")
    func portZero() async throws {
        let result = try await Self.check(["--web.listen-address", "127.0.0.1:0"])
        #expect(result.status == 2)
        #expect(result.stderrText.contains("--health-check"), "\(result.stderrText)")
    }
}
