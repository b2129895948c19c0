import Foundation
import Testing
import TestSupport

/// `--http.config.file` against servers that check: a real Prometheus requiring basic auth
/// (bcrypt, its own `--web.config.file`) or serving TLS, and a small server that records the
/// headers it receives.
@Suite("sentry-top end to end: --http.config.file", .serialized, .timeLimit(.minutes(5)))
struct PrometheusAccessTests {
    @Test("basic auth: the right password reads the history, a wrong one is reported as refused")
    func basicAuth() async throws {
        let directory = try TemporaryDirectory("auth")
        defer { directory.remove() }
        try directory.write("web.yml", "basic_auth_users:\n  alice: \(try await bcryptHash("correct horse"))\n")
        let history = StoredHistory()
        let (prometheus, port) = try await StoredHistory.serve(
            history, arguments: ["--web.config.file=\(directory.path("web.yml"))"], in: directory)
        defer { prometheus.kill() }
        let url = "http://127.0.0.1:\(port)"
        let at = String(Int(history.time(ofScan: 10) + 1))

        try directory.write("right.pw", "correct horse\n")
        try directory.write("right.yml", "basic_auth:\n  username: alice\n  password_file: right.pw\n")
        let document = try await PrometheusTests.frame(
            ["--prometheus", url, "--http.config.file", directory.path("right.yml"), "--instance", "node-b:9105", "--at", at])
        #expect(document.processes.map(\.name) == ["builder"])

        try directory.write("wrong.yml", "basic_auth:\n  username: alice\n  password: battery staple\n")
        for file in ["wrong.yml", nil] {
            let result = try await SentryTopBinary.run(
                ["--prometheus", url, "--instance", "node-b:9105", "--at", at, "--batch"]
                    + (file.map { ["--http.config.file", directory.path($0)] } ?? []))
            #expect(result.stderrText.contains("HTTP 401 Unauthorized: the server refused the credentials"), "\(result.stderrText)")
            #expect(!result.stdoutText.contains("builder"))
        }
    }

    @Test("TLS: https with the CA and server_name works; without the CA, or with the wrong name, the error says why")
    func tls() async throws {
        let certificates = try await TestCertificates()
        let directory = try TemporaryDirectory("tls")
        defer { directory.remove() }
        // The certificate names prometheus.example, not 127.0.0.1: server_name must say which.
        try directory.write(
            "web.yml", "tls_server_config:\n  cert_file: \(certificates.path("prometheus.crt"))\n  key_file: \(certificates.path("prometheus.key"))\n")
        let history = StoredHistory()
        let (prometheus, port) = try await StoredHistory.serve(
            history, arguments: ["--web.config.file=\(directory.path("web.yml"))"], in: directory)
        defer { prometheus.kill() }
        let url = "https://127.0.0.1:\(port)"
        let at = String(Int(history.time(ofScan: 10) + 1))
        func run(_ yaml: String?) async throws -> CommandResult {
            if let yaml { try directory.write("http.yml", yaml) }
            return try await SentryTopBinary.run(
                ["--prometheus", url, "--instance", "node-b:9105", "--at", at, "--json", "--iterations", "1"]
                    + (yaml == nil ? [] : ["--http.config.file", directory.path("http.yml")]))
        }

        let good = try await run("tls_config:\n  ca_file: \(certificates.path("ca.crt"))\n  server_name: prometheus.example\n")
        #expect(good.status == 0, "\(good.stderrText)")
        #expect(try TopDocument.all(in: good.stdoutText).last?.processes.map(\.name) == ["builder"], "\(good.stderrText)")

        let untrusted = try await run(nil)
        #expect(untrusted.stderrText.contains("\(url): cannot query:"), "\(untrusted.stderrText)")
        #expect(untrusted.stderrText.contains("CERTIFICATE_VERIFY_FAILED (the server's certificate is not trusted"), "\(untrusted.stderrText)")
        let wrongName = try await run("tls_config:\n  ca_file: \(certificates.path("ca.crt"))\n")
        #expect(wrongName.stderrText.contains("cannot query: TLS: the server's certificate is not for this host"), "\(wrongName.stderrText)")
        #expect(!wrongName.stdoutText.contains("builder"))
    }

    @Test("a tenant header and a bearer token from files reach the server on every query; its warnings are reported")
    func headersReachTheServer() async throws {
        let directory = try TemporaryDirectory("headers")
        defer { directory.remove() }
        let port = try freeLoopbackPort()
        // Records each request's headers as a JSON line; answers every query with no series.
        let server = try ChildProcess(
            Tools.python3,
            [
                "-c",
                """
                import http.server, json, sys
                class Handler(http.server.BaseHTTPRequestHandler):
                    def do_POST(self):
                        self.rfile.read(int(self.headers.get('Content-Length', 0)))
                        with open(sys.argv[2], 'a') as log:
                            log.write(json.dumps({'path': self.path, 'headers': dict(self.headers)}) + '\\n')
                        body = b'{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["result truncated by the limits"]}'
                        self.send_response(200)
                        self.send_header('Content-Type', 'application/json')
                        self.send_header('Content-Length', str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *args):
                        pass
                http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Handler).serve_forever()
                """,
                String(port), directory.path("requests.jsonl"),
            ], label: "header-server")
        defer { server.kill() }
        _ = try await poll(timeout: .seconds(20), interval: .milliseconds(50), "the header server") { () -> Bool? in
            if server.hasExited { throw HarnessError("header server: \(server.stderrText)") }
            return (try? RawConnection(port: port)).map { $0.close(); return true }
        }
        try directory.write("token", "s3cr3t-token\n")
        try directory.write(
            "http.yml", "authorization:\n  credentials_file: token\nhttp_headers:\n  X-Scope-OrgID:\n    values: [tenant-7]\n")
        let result = try await SentryTopBinary.run(
            ["--prometheus", "http://127.0.0.1:\(port)/prefix", "--http.config.file", directory.path("http.yml"),
             "--batch", "--iterations", "2", "-d", "0.2"])
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(result.stdoutText.contains("No proc-sentry exporter behind"), "\(result.stdoutText)")
        // What the server says besides the data (a result cut by its limits) is reported.
        #expect(result.stderrText.contains("Prometheus warns: result truncated by the limits"), "\(result.stderrText)")

        let requests = try String(contentsOfFile: directory.path("requests.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(requests.count == 4, "two frames of two queries: \(requests)")
        for request in requests {
            let headers = request["headers"] as? [String: String] ?? [:]
            #expect(request["path"] as? String == "/prefix/api/v1/query")
            #expect(headers["X-Scope-OrgID"] == "tenant-7", "\(headers)")
            #expect(headers["Authorization"] == "Bearer s3cr3t-token", "\(headers)")
            #expect(headers["User-Agent"]?.hasPrefix("sentry-top/") == true)
        }
    }
}
