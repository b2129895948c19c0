import Glibc
import SentryCore

/// The file of `--web.config.file`, in the format of the Prometheus exporter-toolkit, so that
/// operators reuse the file they already give node_exporter: TLS (`tls_server_config`), extra
/// response headers (`http_server_config.headers`) and bcrypt basic auth (`basic_auth_users`).
///
/// Read once at start-up. Unlike the toolkit, unknown or unsupported keys are errors rather than
/// silently ignored: a misspelt `basic_auth_user` must not leave the exporter open.
struct WebConfiguration {
    var tlsServerConfig: TLSServerConfig?
    var httpServerConfig: HTTPServerConfig?
    /// User name → bcrypt hash.
    var basicAuthUsers: [String: String] = [:]

    init(_ root: YAMLSection) throws(ConfigurationError) {
        if root.value("rate_limit") != nil {
            throw ConfigurationError("rate_limit is not supported by sentry-exporter (connections are bounded by --web.max-connections)")
        }
        tlsServerConfig = try root.section("tls_server_config", keys: TLSServerConfig.keys).map(TLSServerConfig.init)
        httpServerConfig = try root.section("http_server_config", keys: HTTPServerConfig.keys).map(HTTPServerConfig.init)
        basicAuthUsers = try root.stringMap("basic_auth_users")
    }

    static let keys = ["tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"]

    /// Reads and checks the file at `path`. Relative file names in it are taken from the file's
    /// directory, as the toolkit does.
    static func load(path: String) throws(ConfigurationError) -> WebConfiguration {
        let file = try YAMLSection.load(path: path, keys: keys)
        var configuration: WebConfiguration
        do {
            configuration = try WebConfiguration(file.root)
        } catch {
            throw ConfigurationError("\(path): \(error.message)")
        }
        configuration.tlsServerConfig?.resolveFiles(relativeTo: file.directory)
        return configuration
    }
}

/// `tls_server_config`. All empty means no TLS (the toolkit's rule), so a file may hold only
/// basic auth users.
struct TLSServerConfig {
    /// PEM text given inline, or the file holding it.
    enum Source {
        case inline(String)
        case file(String)
    }

    var certificate: Source?
    var privateKey: Source?
    var clientCA: Source?
    var clientAuthType: ClientAuthType
    var clientAllowedSANs: [String]
    var minVersion: TLSVersionName
    var maxVersion: TLSVersionName
    /// Go names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; empty: the library's defaults.
    var cipherSuites: [String]
    /// Go names, e.g. X25519, CurveP256; empty: the library's defaults.
    var curvePreferences: [String]

    static let keys = [
        "cert", "key", "client_ca", "cert_file", "key_file", "client_ca_file", "client_auth_type",
        "client_allowed_sans", "min_version", "max_version", "cipher_suites", "prefer_server_cipher_suites",
        "curve_preferences",
    ]

    init(_ section: YAMLSection) throws(ConfigurationError) {
        func source(inline: String, file: String) throws(ConfigurationError) -> Source? {
            let text = try section.string(inline) ?? ""
            let path = try section.string(file) ?? ""
            switch (text.isEmpty, path.isEmpty) {
            case (true, true): return nil
            case (false, true): return .inline(text)
            case (true, false): return .file(path)
            case (false, false):
                throw ConfigurationError("tls_server_config: give either \(inline) or \(file), not both")
            }
        }
        certificate = try source(inline: "cert", file: "cert_file")
        privateKey = try source(inline: "key", file: "key_file")
        clientCA = try source(inline: "client_ca", file: "client_ca_file")
        clientAuthType = try section.string("client_auth_type").map(ClientAuthType.init(name:)) ?? .noClientCert
        clientAllowedSANs = try section.strings("client_allowed_sans")
        minVersion = try section.string("min_version").map(TLSVersionName.init(name:)) ?? .tls12
        maxVersion = try section.string("max_version").map(TLSVersionName.init(name:)) ?? .tls13
        cipherSuites = try section.strings("cipher_suites")
        curvePreferences = try section.strings("curve_preferences")
        // Accepted for compatibility; Go itself has ignored it since 1.18, and BoringSSL prefers
        // the server's order.
        _ = try section.bool("prefer_server_cipher_suites")
    }

    /// Nothing configured: serve plain HTTP.
    var isEmpty: Bool {
        certificate == nil && privateKey == nil && clientCA == nil && clientAuthType == .noClientCert
    }

    fileprivate mutating func resolveFiles(relativeTo directory: String) {
        func resolve(_ source: inout Source?) {
            if case .file(let path)? = source { source = .file(YAMLSection.resolve(path, relativeTo: directory)) }
        }
        resolve(&certificate)
        resolve(&privateKey)
        resolve(&clientCA)
    }
}

/// `client_auth_type`: Go's `tls.ClientAuthType` names.
enum ClientAuthType: String, CaseIterable {
    case noClientCert = "NoClientCert"
    case requestClientCert = "RequestClientCert"
    case requireAnyClientCert = "RequireAnyClientCert"
    case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
    case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

    init(name: String) throws(ConfigurationError) {
        switch name {
        case "": self = .noClientCert
        case "RequireClientCert": self = .requireAnyClientCert  // the toolkit's older name
        default:
            guard let value = ClientAuthType(rawValue: name) else {
                throw ConfigurationError(
                    "invalid client_auth_type '\(name)': expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self = value
        }
    }

    /// The client must present a certificate.
    var requiresCertificate: Bool { self == .requireAnyClientCert || self == .requireAndVerifyClientCert }
    /// A presented certificate is checked against the client CA.
    var verifiesCertificate: Bool { self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert }
}

/// `min_version`, `max_version`: TLS10 to TLS13.
enum TLSVersionName: String, CaseIterable, Comparable {
    case tls10 = "TLS10"
    case tls11 = "TLS11"
    case tls12 = "TLS12"
    case tls13 = "TLS13"

    init(name: String) throws(ConfigurationError) {
        guard let value = TLSVersionName(rawValue: name) else {
            throw ConfigurationError(
                "invalid TLS version '\(name)': expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = value
    }

    static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// `http_server_config`.
struct HTTPServerConfig {
    /// Added to every response, in the order given.
    var headers: [(name: String, value: String)]

    /// The headers the toolkit allows; others are refused there too.
    static let allowedHeaders = [
        "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "X-XSS-Protection",
        "Strict-Transport-Security",
    ]

    static let keys = ["headers", "http2"]

    init(_ section: YAMLSection) throws(ConfigurationError) {
        // Accepted for compatibility: the exporter speaks HTTP/1.1 only, which every Prometheus
        // scrapes with.
        _ = try section.bool("http2")
        let given = try section.stringMap("headers")
        for name in given.keys where !Self.allowedHeaders.contains(name) {
            throw ConfigurationError(
                "http_server_config: header '\(name)' is not allowed: expected one of \(Self.allowedHeaders.joined(separator: ", "))")
        }
        headers = Self.allowedHeaders.compactMap { name in
            given[name].flatMap { $0.isEmpty ? nil : (name, $0) }
        }
        for (name, value) in headers where value.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw ConfigurationError("http_server_config: header '\(name)' has a line break in its value")
        }
    }
}
