import Foundation
import Testing

/// A CA, a server certificate for 127.0.0.1, client certificates signed by the CA (with the
/// subject alternative names given) and one self-signed, in one temporary directory.
public final class TestCertificates: Sendable {
    public let directory: TemporaryDirectory

    public init() async throws {
        try Tools.require(Tools.openssl, hint: "apt-get install openssl")
        directory = try TemporaryDirectory("web-config")
        try await selfSigned("ca", subject: "/CN=proc-sentry test CA")
        try await selfSigned("server", subject: "/CN=localhost", extensions: "subjectAltName=IP:127.0.0.1")
        try await signed("prometheus", san: "DNS:prometheus.example")
        try await signed("intruder", san: "DNS:intruder.example")
        try await selfSigned("rogue", subject: "/CN=prometheus")
    }

    public func path(_ name: String) -> String { directory.path(name) }

    private func selfSigned(_ name: String, subject: String, extensions: String? = nil) async throws {
        try await openssl(
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", subject,
             "-keyout", path("\(name).key"), "-out", path("\(name).crt")]
                + (extensions.map { ["-addext", $0] } ?? []))
    }

    private func signed(_ name: String, san: String) async throws {
        try await openssl(
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(name)", "-addext", "subjectAltName=\(san)",
             "-keyout", path("\(name).key"), "-out", path("\(name).csr")])
        try await openssl(
            ["x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
             "-CAcreateserial", "-days", "1", "-copy_extensions", "copy", "-out", path("\(name).crt")])
    }

    private func openssl(_ arguments: [String]) async throws {
        let result = try await runCommand(Tools.openssl, arguments)
        guard result.status == 0 else { throw HarnessError("openssl \(arguments): \(result.stderrText)") }
    }

    deinit { directory.remove() }
}

/// A bcrypt hash of `password` at `cost` (10 in the toolkit's documentation), made by htpasswd.
public func bcryptHash(_ password: String, cost: Int = 10) async throws -> String {
    try Tools.require(Tools.htpasswd, hint: "apt-get install apache2-utils")
    let result = try await runCommand(Tools.htpasswd, ["-nbBC", String(cost), "", password])
    guard result.status == 0 else { throw HarnessError("htpasswd: \(result.stderrText)") }
    return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).trimmingPrefix(":").description
}
