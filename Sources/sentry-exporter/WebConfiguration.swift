import FoundationEssentials
import Glibc
import Yams

/// The file of `--web.config.file`, in the format of the Prometheus exporter-toolkit, so that
/// operators reuse the file they already give node_exporter: TLS (`tls_server_config`), extra
/// response headers (`http_server_config.headers`) and bcrypt basic auth (`basic_auth_users`).
///
/// Read once at start-up. Unlike the toolkit, unknown or unsupported keys are errors rather than
/// silently ignored: a misspelt `basic_auth_user` must not leave the exporter open.
struct WebConfiguration: Decodable, Equatable {
    var tlsServerConfig: TLSServerConfig?
    var httpServerConfig: HTTPServerConfig?
    /// User name → bcrypt hash.
    var basicAuthUsers: [String: String]

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case tlsServerConfig = "tls_server_config"
        case httpServerConfig = "http_server_config"
        case basicAuthUsers = "basic_auth_users"
        case rateLimit = "rate_limit"
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        if container.contains(.rateLimit) {
            throw WebConfigurationError("rate_limit is not supported by sentry-exporter (connections are bounded by --web.max-connections)")
        }
        tlsServerConfig = try container.decodeIfPresent(TLSServerConfig.self, forKey: .tlsServerConfig)
        httpServerConfig = try container.decodeIfPresent(HTTPServerConfig.self, forKey: .httpServerConfig)
        basicAuthUsers = try container.decodeIfPresent([String: String].self, forKey: .basicAuthUsers) ?? [:]
    }

    /// Reads and checks the file at `path`. Relative file names in it are taken from the file's
    /// directory, as the toolkit does.
    static func load(path: String) throws(WebConfigurationError) -> WebConfiguration {
        if let problem = unreadable(path) { throw WebConfigurationError("cannot read \(path): \(problem)") }
        var configuration: WebConfiguration
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            // An empty file (no YAML node) configures nothing, as for the toolkit.
            guard let node = try Yams.compose(yaml: text) else { return WebConfiguration() }
            configuration = try YAMLDecoder().decode(WebConfiguration.self, from: node)
        } catch {
            throw WebConfigurationError("\(path): \(Self.describe(error))")
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        configuration.tlsServerConfig?.resolveFiles(relativeTo: directory.isEmpty ? "/" : directory)
        return configuration
    }

    private init() {
        basicAuthUsers = [:]
    }

    /// Our own messages as they are; Yams' syntax errors with their line and column; decoding
    /// errors with the key they are about.
    private static func describe(_ error: Error) -> String {
        switch error {
        case let error as WebConfigurationError:
            return error.message
        case DecodingError.dataCorrupted(let context) where context.underlyingError != nil:
            return describe(context.underlyingError!)
        case let error as DecodingError:
            return error.readableDescription
        case let error as YamlError:
            // One line, as every start-up error is.
            return "not valid YAML: " + "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
        default:
            return "\(error)"
        }
    }
}

/// Why the file at `path` cannot be read (its `errno` text), or nil when it can.
func unreadable(_ path: String) -> String? {
    access(path, R_OK) == 0 ? nil : String(cString: strerror(errno))
}

/// `tls_server_config`. All empty means no TLS (the toolkit's rule), so a file may hold only
/// basic auth users.
struct TLSServerConfig: Decodable, Equatable {
    /// PEM text given inline, or the file holding it.
    enum Source: Equatable {
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

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case cert, key
        case clientCA = "client_ca"
        case certFile = "cert_file"
        case keyFile = "key_file"
        case clientCAFile = "client_ca_file"
        case clientAuthType = "client_auth_type"
        case clientAllowedSANs = "client_allowed_sans"
        case minVersion = "min_version"
        case maxVersion = "max_version"
        case cipherSuites = "cipher_suites"
        case preferServerCipherSuites = "prefer_server_cipher_suites"
        case curvePreferences = "curve_preferences"
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        func source(inline: CodingKeys, file: CodingKeys) throws -> Source? {
            let text = try container.decodeIfPresent(String.self, forKey: inline) ?? ""
            let path = try container.decodeIfPresent(String.self, forKey: file) ?? ""
            switch (text.isEmpty, path.isEmpty) {
            case (true, true): return nil
            case (false, true): return .inline(text)
            case (true, false): return .file(path)
            case (false, false):
                throw WebConfigurationError("tls_server_config: give either \(inline.rawValue) or \(file.rawValue), not both")
            }
        }
        certificate = try source(inline: .cert, file: .certFile)
        privateKey = try source(inline: .key, file: .keyFile)
        clientCA = try source(inline: .clientCA, file: .clientCAFile)
        clientAuthType = try container.decodeIfPresent(ClientAuthType.self, forKey: .clientAuthType) ?? .noClientCert
        clientAllowedSANs = try container.decodeIfPresent([String].self, forKey: .clientAllowedSANs) ?? []
        minVersion = try container.decodeIfPresent(TLSVersionName.self, forKey: .minVersion) ?? .tls12
        maxVersion = try container.decodeIfPresent(TLSVersionName.self, forKey: .maxVersion) ?? .tls13
        cipherSuites = try container.decodeIfPresent([String].self, forKey: .cipherSuites) ?? []
        curvePreferences = try container.decodeIfPresent([String].self, forKey: .curvePreferences) ?? []
        // Accepted for compatibility; Go itself has ignored it since 1.18, and BoringSSL prefers
        // the server's order.
        _ = try container.decodeIfPresent(Bool.self, forKey: .preferServerCipherSuites)
    }

    /// Nothing configured: serve plain HTTP.
    var isEmpty: Bool {
        certificate == nil && privateKey == nil && clientCA == nil && clientAuthType == .noClientCert
    }

    fileprivate mutating func resolveFiles(relativeTo directory: String) {
        func resolve(_ source: inout Source?) {
            if case .file(let path)? = source, !path.hasPrefix("/") { source = .file(directory + "/" + path) }
        }
        resolve(&certificate)
        resolve(&privateKey)
        resolve(&clientCA)
    }
}

/// `client_auth_type`: Go's `tls.ClientAuthType` names.
enum ClientAuthType: String, Decodable, CaseIterable {
    case noClientCert = "NoClientCert"
    case requestClientCert = "RequestClientCert"
    case requireAnyClientCert = "RequireAnyClientCert"
    case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
    case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

    init(from decoder: Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        switch name {
        case "": self = .noClientCert
        case "RequireClientCert": self = .requireAnyClientCert  // the toolkit's older name
        default:
            guard let value = ClientAuthType(rawValue: name) else {
                throw WebConfigurationError(
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
enum TLSVersionName: String, Decodable, CaseIterable, Comparable {
    case tls10 = "TLS10"
    case tls11 = "TLS11"
    case tls12 = "TLS12"
    case tls13 = "TLS13"

    init(from decoder: Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let value = TLSVersionName(rawValue: name) else {
            throw WebConfigurationError(
                "invalid TLS version '\(name)': expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = value
    }

    static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// `http_server_config`.
struct HTTPServerConfig: Decodable, Equatable {
    /// Added to every response, in the order given.
    var headers: [(name: String, value: String)]

    /// The headers the toolkit allows; others are refused there too.
    static let allowedHeaders = [
        "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "X-XSS-Protection",
        "Strict-Transport-Security",
    ]

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case headers
        case http2
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        // Accepted for compatibility: the exporter speaks HTTP/1.1 only, which every Prometheus
        // scrapes with.
        _ = try container.decodeIfPresent(Bool.self, forKey: .http2)
        let given = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        for name in given.keys where !Self.allowedHeaders.contains(name) {
            throw WebConfigurationError(
                "http_server_config: header '\(name)' is not allowed: expected one of \(Self.allowedHeaders.joined(separator: ", "))")
        }
        headers = Self.allowedHeaders.compactMap { name in
            given[name].flatMap { $0.isEmpty ? nil : (name, $0) }
        }
        for (name, value) in headers where value.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw WebConfigurationError("http_server_config: header '\(name)' has a line break in its value")
        }
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
    }
}

/// A problem in `--web.config.file`: reported at start-up, exit code 2.
struct WebConfigurationError: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}

extension Decoder {
    /// A keyed container that refuses keys outside `Key` (the toolkit decodes with
    /// `UnmarshalStrict` and refuses them too).
    fileprivate func strictContainer<Key: CodingKey & CaseIterable>(keyedBy type: Key.Type) throws
        -> KeyedDecodingContainer<Key>
    {
        let all = try container(keyedBy: AnyKey.self)
        let known = Set(Key.allCases.map(\.stringValue))
        if let unknown = all.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            let place = codingPath.map(\.stringValue).joined(separator: ".")
            throw WebConfigurationError(
                "unknown key '\(unknown)'\(place.isEmpty ? "" : " in \(place)"): expected one of \(known.sorted().joined(separator: ", "))")
        }
        return try container(keyedBy: type)
    }
}

private struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension DecodingError {
    /// "basic_auth_users.alice: expected a string", rather than Swift's debug dump.
    var readableDescription: String {
        let (context, what): (Context, String) =
            switch self {
            case .typeMismatch(let type, let context): (context, "expected \(Self.name(of: type))")
            case .valueNotFound(let type, let context): (context, "expected \(Self.name(of: type)), found nothing")
            case .keyNotFound(let key, let context): (context, "missing key '\(key.stringValue)'")
            case .dataCorrupted(let context): (context, context.debugDescription)
            @unknown default: (Context(codingPath: [], debugDescription: ""), "\(self)")
            }
        let place = context.codingPath.map(\.stringValue).joined(separator: ".")
        return place.isEmpty ? what : "\(place): \(what)"
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is [String].Type: "a list of strings"
        case is [String: String].Type: "a mapping of names to strings"
        default: "a mapping"
        }
    }
}
