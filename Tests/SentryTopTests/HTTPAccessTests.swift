import Foundation
import SentryCore
import Testing
import TestSupport

@testable import sentry_top

/// `--http.config.file`, read as Prometheus's HTTP client configuration.
@Suite("--http.config.file")
struct HTTPAccessTests {
    /// `yaml` written to `http.yml` in a new directory beside `files`, and read.
    private func access(_ yaml: String, files: [String: String] = [:]) throws -> HTTPAccess {
        let directory = try TemporaryDirectory("http-config")
        defer { directory.remove() }
        for (name, text) in files { try directory.write(name, text) }
        try directory.write("http.yml", yaml)
        return try HTTPAccess(file: directory.path("http.yml"))
    }

    private func failure(_ yaml: String, files: [String: String] = [:]) -> String {
        do {
            _ = try access(yaml, files: files)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test("basic_auth with a password file (relative to the file, trimmed): one Authorization header")
    func basicAuth() throws {
        let access = try access("basic_auth:\n  username: alice\n  password_file: secret\n", files: ["secret": "correct horse\n"])
        #expect(access.headers.map(\.name) == ["Authorization"])
        #expect(access.headers.first?.value == "Basic " + Data("alice:correct horse".utf8).base64EncodedString())
    }

    @Test("authorization with a credentials file, bearer_token, and tenant headers from values, secrets and files")
    func authorizationAndHeaders() throws {
        let access = try access(
            """
            authorization:
              credentials_file: token
            http_headers:
              X-Scope-OrgID:
                values: [tenant-7]
              X-Extra:
                secrets: [s1]
                files: [extra]
            follow_redirects: false
            enable_http2: false
            """, files: ["token": " t0ken \n", "extra": "from-file"])
        #expect(access.headers.map { "\($0.name): \($0.value)" } == [
            "Authorization: Bearer t0ken", "X-Scope-OrgID: tenant-7", "X-Extra: s1", "X-Extra: from-file",
        ])
        #expect(!access.followsRedirects)
        #expect(!access.usesHTTP2)
        #expect(try self.access("authorization:\n  type: Token\n  credentials: abc\n").headers.first?.value == "Token abc")
        #expect(try self.access("bearer_token: xyz\n").headers.first?.value == "Bearer xyz")
        #expect(try self.access("").headers.isEmpty)
    }

    @Test("tls_config: server_name sends requests to that name, resolved to the URL's host")
    func serverName() throws {
        let access = try access("tls_config:\n  server_name: prometheus.example\n  insecure_skip_verify: false\n")
        #expect(access.serverName == "prometheus.example")
        #expect(access.requestURL("https://10.0.0.7:9090/prefix/api/v1/query") == "https://prometheus.example:9090/prefix/api/v1/query")
        #expect(access.dnsOverride(for: "https://10.0.0.7:9090/prefix") == ["prometheus.example": "10.0.0.7"])
        #expect(access.dnsOverride(for: "https://[::1]:9090") == ["prometheus.example": "::1"])
        #expect(HTTPAccess().requestURL("http://p:9090/api") == "http://p:9090/api")
    }

    @Test(
        "mistakes are errors that name the key",
        arguments: [
            ("basic_auth:\n  username: a\n  passwd: b\n", "unknown key 'passwd' in basic_auth"),
            ("basic_auth:\n  password: a\n  password_file: f\n", "basic_auth.password: give it inline or as a file, not both"),
            ("basic_auth:\n  username: a\nbearer_token: t\n", "at most one of basic_auth, authorization and bearer_token"),
            ("authorization:\n  type: Basic\n  credentials: x\n", "use basic_auth"),
            ("oauth2:\n  client_id: x\n", "oauth2 is not supported by sentry-top"),
            ("proxy_url: http://proxy:3128\n", "proxy_url is not supported by sentry-top"),
            ("tls_config:\n  ca_file: missing.pem\n", "tls_config.ca_file: cannot read"),
            ("tls_config:\n  ca: not a certificate\n", "tls_config:"),
            ("tls_config:\n  cert_file: c.pem\n", "needs both cert_file (or cert) and key_file (or key)"),
            ("tls_config:\n  min_version: TLS9\n", "tls_config.min_version: expected one of TLS10, TLS11, TLS12, TLS13"),
            ("authorization:\n  credentials_file: nope\n", "authorization.credentials: cannot read"),
            ("http_headers:\n  Bad Name:\n    values: [x]\n", "'Bad Name' is not a header name"),
            ("http_headers:\n  X-A:\n    value: [x]\n", "unknown key 'value' in http_headers.X-A"),
            ("http_headers:\n  X-A:\n    values: [\"a\\nb\"]\n", "line break"),
            ("follow_redirects: maybe\n", "follow_redirects: expected true or false"),
            ("basic_auth: [\n", "not valid YAML"),
        ])
    func mistakes(yaml: String, expected: String) {
        let message = failure(yaml, files: ["c.pem": "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"])
        #expect(message.contains(expected), "\(message)")
        #expect(message.contains("http.yml"), "the error names the file: \(message)")
    }

    @Test("a missing file is an error that says why")
    func missingFile() {
        #expect(throws: ConfigurationError.self) { try HTTPAccess(file: "/nonexistent/http.yml") }
    }
}
