import FoundationEssentials
import NIOSSL
import SentryCore

/// How requests reach the query API: TLS, headers (credentials, a tenant), and the name the
/// server's certificate is checked against; from `--http.config.file`.
///
/// The file is Prometheus's HTTP client configuration, as `promtool --http.config.file` and
/// the scrape configurations take it: `basic_auth`, `authorization`, `bearer_token(_file)`,
/// `tls_config`, `http_headers`, `follow_redirects`, `enable_http2`. Unknown keys are errors,
/// as they are for Prometheus; keys sentry-top does not support (`oauth2`, proxies) are
/// errors that say so, rather than requests sent without them.
struct HTTPAccess: Sendable {
    /// TLS for https URLs: the system's roots unless a CA is given.
    var tls = TLSConfiguration.makeClientConfiguration()
    /// Sent with every request, after the client's own (so `Authorization` or a tenant header
    /// such as `X-Scope-OrgID` can be set).
    var headers: [(name: String, value: String)] = []
    /// `tls_config.server_name`: the host name for SNI and certificate checks when it differs
    /// from the URL's host.
    var serverName: String?
    var followsRedirects = true
    var usesHTTP2 = true

    /// No credentials, the system's TLS roots.
    init() {}

    static let keys = [
        "basic_auth", "authorization", "bearer_token", "bearer_token_file", "tls_config", "http_headers", "follow_redirects",
        "enable_http2", "oauth2", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header",
    ]

    /// Reads and checks the file at `path`; the files it names are read now, relative to its
    /// directory, so a wrong one is reported at start-up.
    init(file path: String) throws(ConfigurationError) {
        let file = try YAMLSection.load(path: path, keys: Self.keys)
        do {
            try self.init(file.root, directory: file.directory)
        } catch {
            throw ConfigurationError("\(path): \(error.message)")
        }
    }

    private init(_ root: YAMLSection, directory: String) throws(ConfigurationError) {
        for key in ["oauth2", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header"] where root.value(key) != nil {
            throw ConfigurationError("\(key) is not supported by sentry-top")
        }
        func secret(_ inline: String?, file: String?, _ what: String) throws(ConfigurationError) -> String? {
            switch (inline, file) {
            case (nil, nil): return nil
            case (let text?, nil): return text
            case (nil, let name?): return try Self.read(YAMLSection.resolve(name, relativeTo: directory), what)
            case (.some, .some): throw ConfigurationError("\(what): give it inline or as a file, not both")
            }
        }

        var authorization: String?
        var schemes: [String] = []
        if let basic = try root.section("basic_auth", keys: ["username", "username_file", "password", "password_file"]) {
            let username = try secret(basic.string("username"), file: basic.string("username_file"), "basic_auth.username") ?? ""
            let password = try secret(basic.string("password"), file: basic.string("password_file"), "basic_auth.password") ?? ""
            authorization = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
            schemes.append("basic_auth")
        }
        if let section = try root.section("authorization", keys: ["type", "credentials", "credentials_file"]) {
            let type = try section.string("type") ?? "Bearer"
            guard type.lowercased() != "basic" else { throw ConfigurationError("authorization.type Basic: use basic_auth") }
            let credentials = try secret(section.string("credentials"), file: section.string("credentials_file"), "authorization.credentials")
            authorization = credentials.map { "\(type) \($0)" }
            schemes.append("authorization")
        }
        if let token = try secret(root.string("bearer_token"), file: root.string("bearer_token_file"), "bearer_token") {
            authorization = "Bearer \(token)"
            schemes.append("bearer_token")
        }
        guard schemes.count <= 1 else {
            throw ConfigurationError("at most one of basic_auth, authorization and bearer_token may be given, not \(schemes.joined(separator: " and "))")
        }

        headers = try Self.headers(root, directory: directory)
        if let authorization {
            guard !headers.contains(where: { $0.name.lowercased() == "authorization" }) else {
                throw ConfigurationError("http_headers: Authorization is set by basic_auth, authorization or bearer_token")
            }
            headers.insert(("Authorization", authorization), at: 0)
        }
        for (_, value) in headers where value.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw ConfigurationError("a header value has a line break")
        }

        if let section = try root.section(
            "tls_config",
            keys: ["ca", "ca_file", "cert", "cert_file", "key", "key_file", "server_name", "insecure_skip_verify", "min_version", "max_version"])
        {
            try configureTLS(section, directory: directory)
        }
        followsRedirects = try root.bool("follow_redirects") ?? true
        usesHTTP2 = try root.bool("enable_http2") ?? true
    }

    /// `http_headers`: `Name: {values: […], secrets: […], files: […]}`, a header line per value.
    private static func headers(_ root: YAMLSection, directory: String) throws(ConfigurationError) -> [(name: String, value: String)] {
        guard let node = root.value("http_headers") else { return [] }
        guard case .mapping(let entries) = node else { throw ConfigurationError("http_headers: expected a mapping of header names") }
        var headers: [(name: String, value: String)] = []
        for (name, value) in entries {
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) else {
                throw ConfigurationError("http_headers: '\(name)' is not a header name")
            }
            let section = try YAMLSection(value, path: "http_headers.\(name)", keys: ["values", "secrets", "files"])
            headers += try (section.strings("values") + section.strings("secrets")).map { (name, $0) }
            for file in try section.strings("files") {
                headers.append((name, try read(YAMLSection.resolve(file, relativeTo: directory), "http_headers.\(name).files")))
            }
        }
        return headers
    }

    private mutating func configureTLS(_ section: YAMLSection, directory: String) throws(ConfigurationError) {
        func pem(_ inline: String, _ file: String) throws(ConfigurationError) -> (text: String, origin: String)? {
            switch (try section.string(inline), try section.string(file)) {
            case (nil, nil): return nil
            case (let text?, nil): return (text, "tls_config.\(inline)")
            case (nil, let name?):
                let path = YAMLSection.resolve(name, relativeTo: directory)
                return (try Self.read(path, "tls_config.\(file)", trimmed: false), path)
            case (.some, .some): throw ConfigurationError("tls_config: give \(inline) or \(file), not both")
            }
        }
        do {
            if let ca = try pem("ca", "ca_file") {
                let roots = try NIOSSLCertificate.fromPEMBytes(Array(ca.text.utf8))
                guard !roots.isEmpty else { throw ConfigurationError("tls_config: no PEM certificate in \(ca.origin)") }
                tls.trustRoots = .certificates(roots)
            }
            switch (try pem("cert", "cert_file"), try pem("key", "key_file")) {
            case (nil, nil): break
            case (let certificate?, let key?):
                let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.text.utf8))
                guard !chain.isEmpty else { throw ConfigurationError("tls_config: no PEM certificate in \(certificate.origin)") }
                tls.certificateChain = chain.map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.text.utf8), format: .pem))
            default:
                throw ConfigurationError("tls_config: a client certificate needs both cert_file (or cert) and key_file (or key)")
            }
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError("tls_config: \(error)")
        }
        serverName = try section.string("server_name")
        if try section.bool("insecure_skip_verify") == true { tls.certificateVerification = .none }
        let versions: [String: TLSVersion] = ["TLS10": .tlsv1, "TLS11": .tlsv11, "TLS12": .tlsv12, "TLS13": .tlsv13]
        for (key, apply) in [("min_version", { (c: inout TLSConfiguration, v: TLSVersion) in c.minimumTLSVersion = v }),
                             ("max_version", { (c: inout TLSConfiguration, v: TLSVersion) in c.maximumTLSVersion = v })] {
            guard let text = try section.string(key) else { continue }
            guard let version = versions[text] else {
                throw ConfigurationError("tls_config.\(key): expected one of TLS10, TLS11, TLS12, TLS13, not '\(text)'")
            }
            apply(&tls, version)
        }
    }

    /// The content of a credentials file, without surrounding white space (as Prometheus reads it).
    private static func read(_ path: String, _ what: String, trimmed: Bool = true) throws(ConfigurationError) -> String {
        if let problem = unreadable(path) { throw ConfigurationError("\(what): cannot read \(path): \(problem)") }
        guard let bytes = FileManager.default.contents(atPath: path), let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError("\(what): cannot read \(path) as UTF-8 text")
        }
        return trimmed ? String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()) : text
    }

    /// AsyncHTTPClient checks the certificate against the URL's host: with a server name, the
    /// request goes to that name, which `dnsOverride` maps back to the real host.
    func requestURL(_ url: String) -> String {
        guard let serverName, let host = Self.hostRange(in: url) else { return url }
        var url = url
        url.replaceSubrange(host, with: serverName)
        return url
    }

    func dnsOverride(for url: String) -> [String: String] {
        guard let serverName, let host = Self.hostRange(in: url) else { return [:] }
        return [serverName: String(url[host].filter { $0 != "[" && $0 != "]" })]
    }

    /// Where the host is in `scheme://host[:port]/…` (brackets included for IPv6).
    private static func hostRange(in url: String) -> Range<String.Index>? {
        guard let start = url.firstRange(of: "://")?.upperBound else { return nil }
        let authority = url[start...].prefix { $0 != "/" }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") { return start..<authority.index(after: close) }
        return start..<(authority.firstIndex(of: ":") ?? authority.endIndex)
    }
}
