import Foundation
import Testing

/// `--web.config.file`: TLS, client certificates and basic auth, end to end with curl against
/// certificates and bcrypt hashes made here by openssl and htpasswd (tools independent of the
/// exporter's BoringSSL and libxcrypt).
@Suite("Web configuration file", .timeLimit(.minutes(3)))
struct WebConfigTests {
    /// What curl got: its exit status (0: an HTTP response arrived) and the HTTP status.
    struct Outcome: CustomStringConvertible {
        let curlStatus: Int32?
        let httpStatus: Int
        let head: String
        var description: String { "curl exit \(curlStatus.map(String.init) ?? "signal"), HTTP \(httpStatus)" }
    }

    static func request(_ url: String, _ arguments: [String] = []) async throws -> Outcome {
        let result = try await runCommand(
            Tools.curl,
            ["-s", "--max-time", "10", "--noproxy", "*", "-D", "-", "-o", "/dev/null", "-w", "\n%{http_code}"]
                + arguments + [url],
            timeout: .seconds(15))
        let lines = result.stdoutText.split(separator: "\n", omittingEmptySubsequences: false)
        return Outcome(
            curlStatus: result.status, httpStatus: Int(lines.last ?? "") ?? 0,
            head: lines.dropLast().joined(separator: "\n"))
    }

    /// Starts an exporter with `yaml` as its web configuration file (written into `directory`,
    /// so relative file names in it resolve there), and `arguments`.
    static func startExporter(
        _ yaml: String, in directory: TemporaryDirectory, arguments: [String] = []
    ) async throws -> ExporterProcess {
        try directory.write("web.yml", yaml)
        return try await ExporterProcess.start(["--web.config.file", directory.path("web.yml")] + arguments)
    }

    @Test("TLS with basic auth: no credentials 401, wrong password 401, right password 200, plain HTTP refused")
    func tlsWithBasicAuth() async throws {
        let certificates = try await TestCertificates()
        let yaml = """
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
            http_server_config:
              headers:
                X-Content-Type-Options: nosniff
            basic_auth_users:
              alice: \(try await bcryptHash("correct horse"))
              bob: \(try await bcryptHash("battery staple"))
            """
        let exporter = try await Self.startExporter(yaml, in: certificates.directory)
        defer { exporter.stop() }
        let url = "https://127.0.0.1:\(exporter.port)/metrics"
        let trust = ["--cacert", certificates.path("server.crt")]

        let anonymous = try await Self.request(url, trust)
        #expect(anonymous.httpStatus == 401, "\(anonymous)")
        #expect(anonymous.head.lowercased().contains("www-authenticate: basic"), "\(anonymous.head)")
        for credentials in ["alice:battery staple", "alice:", "carol:correct horse", "alice:correct horse "] {
            let outcome = try await Self.request(url, trust + ["-u", credentials])
            #expect(outcome.httpStatus == 401, "\(credentials): \(outcome)")
        }
        for credentials in ["alice:correct horse", "bob:battery staple", "alice:correct horse"] {
            let outcome = try await Self.request(url, trust + ["-u", credentials])
            #expect(outcome.httpStatus == 200, "\(credentials): \(outcome)")
            #expect(outcome.head.lowercased().contains("x-content-type-options: nosniff"), "\(outcome.head)")
        }
        let body = try await curl(url, trust + ["-u", "alice:correct horse"])
        #expect(body.bodyText.contains("proc_sentry_scrape_duration_seconds") || body.bodyText.contains("# TYPE"))
        // Every path is behind the password, the landing page too.
        #expect(try await Self.request("https://127.0.0.1:\(exporter.port)/", trust).httpStatus == 401)

        let plain = try await Self.request("http://127.0.0.1:\(exporter.port)/metrics", ["-u", "alice:correct horse"])
        #expect(plain.curlStatus != 0 && plain.httpStatus == 0, "plain HTTP was answered: \(plain)")
        // And the exporter still serves TLS afterwards.
        #expect(try await Self.request(url, trust + ["-u", "bob:battery staple"]).httpStatus == 200)
    }

    @Test("Basic auth without TLS")
    func basicAuthOverPlainHTTP() async throws {
        let directory = try TemporaryDirectory("web-config")
        defer { directory.remove() }
        let exporter = try await Self.startExporter(
            "basic_auth_users:\n  alice: \(try await bcryptHash("s3cret"))\n", in: directory)
        defer { exporter.stop() }
        #expect(try await Self.request(exporter.metricsURL).httpStatus == 401)
        #expect(try await Self.request(exporter.metricsURL, ["-u", "alice:wrong"]).httpStatus == 401)
        #expect(try await Self.request(exporter.metricsURL, ["-u", "alice:s3cret"]).httpStatus == 200)
        // Malformed Authorization headers are refused, not crashed on.
        for header in ["Basic", "Basic !!!", "Bearer abc", "Basic YWxpY2U=", "Basic " + String(repeating: "A", count: 4000)] {
            let outcome = try await Self.request(exporter.metricsURL, ["-H", "Authorization: \(header)"])
            #expect(outcome.httpStatus == 401, "\(header.prefix(20)): \(outcome)")
        }
        #expect(try await Self.request(exporter.metricsURL, ["-u", "alice:s3cret"]).httpStatus == 200)
    }

    @Test("bcrypt checks run off the event loop; with every connection being answered a new one gets 503")
    func slowChecksAndFullServer() async throws {
        let directory = try TemporaryDirectory("web-config")
        defer { directory.remove() }
        // Cost 14: each check takes most of a second, and checks run one at a time.
        let yaml = "basic_auth_users:\n  alice: \(try await bcryptHash("right", cost: 14))\n"
        let exporter = try await Self.startExporter(yaml, in: directory, arguments: ["--web.max-connections", "3"])
        defer { exporter.stop() }

        // Two requests whose wrong passwords keep the verification thread busy for over a second.
        let wrong = "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic \(Data("alice:wrong".utf8).base64EncodedString())\r\n\r\n"
        let checking = try (0..<2).map { _ in try RawConnection(port: exporter.port) }
        for connection in checking { try connection.send(wrong) }
        try await Task.sleep(for: .milliseconds(200))

        // The event loop is free: a request without credentials is refused at once.
        let started = ContinuousClock.now
        let third = try RawConnection(port: exporter.port)
        try third.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let quick = try #require(try third.receiveResponse(timeout: .seconds(5)))
        #expect(quick.status == 401)
        #expect(ContinuousClock.now - started < .milliseconds(500), "a request waited for bcrypt checks")

        // The third is now idle, so a new connection would replace it: close it instead, and fill
        // its slot with a connection whose request is being checked too. With all three being
        // answered, there is no connection to replace.
        third.close()
        let fourth = try RawConnection(port: exporter.port)
        try fourth.send(wrong)
        try await Task.sleep(for: .milliseconds(200))
        let refused = try RawConnection(port: exporter.port)
        let answer = refused.receiveAll(timeout: .seconds(5))
        #expect(String(decoding: answer.data, as: UTF8.self).hasPrefix("HTTP/1.1 503 "), "\(answer)")
        #expect(answer.closed)

        // The checks finish with 401s, and the server takes connections again.
        for connection in checking + [fourth] {
            let response = try #require(try connection.receiveResponse(timeout: .seconds(20)))
            #expect(response.status == 401)
        }
        #expect(try await Self.request(exporter.metricsURL, ["-u", "alice:right"]).httpStatus == 200)
    }

    @Test("mTLS: no client certificate, a self-signed one or one without an allowed SAN is refused")
    func mutualTLS() async throws {
        let certificates = try await TestCertificates()
        let yaml = """
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              client_allowed_sans: [prometheus.example]
            """
        let exporter = try await Self.startExporter(yaml, in: certificates.directory)
        defer { exporter.stop() }
        let url = "https://127.0.0.1:\(exporter.port)/metrics"
        let trust = ["--cacert", certificates.path("server.crt")]
        func client(_ name: String) -> [String] {
            trust + ["--cert", certificates.path("\(name).crt"), "--key", certificates.path("\(name).key")]
        }

        let accepted = try await Self.request(url, client("prometheus"))
        #expect(accepted.httpStatus == 200, "\(accepted)")
        for (name, arguments) in [("none", trust), ("rogue", client("rogue")), ("intruder", client("intruder"))] {
            let outcome = try await Self.request(url, arguments)
            #expect(outcome.curlStatus != 0 && outcome.httpStatus == 0, "\(name) client certificate: \(outcome)")
        }
        #expect(try await Self.request(url, client("prometheus")).httpStatus == 200)
    }

    struct BadConfiguration: Sendable, CustomTestStringConvertible {
        let name: String
        let yaml: String
        /// What the one error line must mention.
        let mentions: String
        var testDescription: String { name }
    }

    static let badConfigurations: [BadConfiguration] = [
        BadConfiguration(name: "misspelt key", yaml: "basic_auth_user:\n  alice: x\n", mentions: "unknown key 'basic_auth_user'"),
        BadConfiguration(name: "not YAML", yaml: "tls_server_config: [1\n", mentions: "not valid YAML"),
        BadConfiguration(name: "plain password", yaml: "basic_auth_users:\n  alice: hunter2\n", mentions: "not a bcrypt hash"),
        BadConfiguration(name: "users as a list", yaml: "basic_auth_users: [alice]\n", mentions: "basic_auth_users"),
        BadConfiguration(
            name: "missing certificate file", yaml: "tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n",
            mentions: "nope.crt"),
        BadConfiguration(name: "no key", yaml: "tls_server_config:\n  cert_file: server.crt\n", mentions: "key_file"),
        BadConfiguration(
            name: "key of another certificate", yaml: "tls_server_config:\n  cert_file: server.crt\n  key_file: rogue.key\n",
            mentions: "key"),
        BadConfiguration(
            name: "unknown client_auth_type",
            yaml: "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Maybe\n",
            mentions: "client_auth_type"),
        BadConfiguration(
            name: "client CA without a policy",
            yaml: "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n",
            mentions: "client_auth_type"),
        BadConfiguration(
            name: "unknown TLS version",
            yaml: "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS14\n",
            mentions: "TLS14"),
        BadConfiguration(
            name: "header outside the toolkit's list", yaml: "http_server_config:\n  headers:\n    X-Powered-By: swift\n",
            mentions: "X-Powered-By"),
        BadConfiguration(name: "rate_limit", yaml: "rate_limit:\n  burst: 5\n", mentions: "rate_limit"),
        BadConfiguration(name: "a list at the top", yaml: "- basic_auth_users\n", mentions: "expected a mapping"),
        BadConfiguration(
            name: "a user twice", yaml: "basic_auth_users:\n  alice: a\n  alice: b\n", mentions: "basic_auth_users.alice: given twice"),
        BadConfiguration(
            name: "not a boolean", yaml: "http_server_config:\n  http2: sometimes\n", mentions: "http_server_config.http2"),
        BadConfiguration(
            name: "aliases that expand without bound",
            yaml: "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                + "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
            mentions: "nodes"),
    ]

    @Test("A bad configuration exits 2 with one line saying what is wrong", arguments: badConfigurations)
    func badConfigurationExitsTwo(_ bad: BadConfiguration) async throws {
        let certificates = try await TestCertificates()
        try certificates.directory.write("web.yml", bad.yaml)
        let result = try await ExporterProcess.run(
            ["--web.listen-address", "127.0.0.1:0", "--web.config.file", certificates.path("web.yml")],
            timeout: .seconds(15))
        expectStartupError(result, mentions: "invalid '--web.config.file'")
        expectStartupError(result, mentions: bad.mentions)
    }

    @Test("A missing file exits 2")
    func missingFile() async throws {
        let result = try await ExporterProcess.run(
            ["--web.listen-address", "127.0.0.1:0", "--web.config.file", "/nonexistent/web.yml"], timeout: .seconds(15))
        expectStartupError(result, mentions: "/nonexistent/web.yml: No such file or directory")
    }
}
