import Glibc
import NIOCore
import NIOSSL
import NIOTLS
import SentryCore

/// The exporter's TLS, built once at start-up from `tls_server_config`: the context every
/// connection's `NIOSSLServerHandler` shares, and the client-certificate policy.
struct ServerTLS {
    let context: NIOSSLContext
    let clientAuthType: ClientAuthType
    let clientAllowedSANs: Set<String>
    /// The server's own certificate chain and key, which `HealthCheck` presents when the server
    /// requires a client certificate.
    let certificateChain: [NIOSSLCertificate]
    let privateKey: NIOSSLPrivateKey

    /// Loads the certificate, key and client CA, and checks that they fit together (BoringSSL
    /// refuses a key that does not match the certificate). Nil when the section configures nothing.
    init?(_ config: TLSServerConfig) throws(ConfigurationError) {
        guard !config.isEmpty else { return nil }
        guard let certificate = config.certificate else {
            throw ConfigurationError("tls_server_config: missing cert_file (or cert)")
        }
        guard let privateKey = config.privateKey else {
            throw ConfigurationError("tls_server_config: missing key_file (or key)")
        }
        if config.clientCA != nil && config.clientAuthType == .noClientCert {
            throw ConfigurationError(
                "tls_server_config: client_ca_file is set but client_auth_type is NoClientCert: set it to RequireAndVerifyClientCert")
        }
        if config.clientAuthType.verifiesCertificate && config.clientCA == nil {
            // Go would verify against the system's public CAs, which lets in anyone with any
            // public certificate: refused rather than copied.
            throw ConfigurationError(
                "tls_server_config: client_auth_type \(config.clientAuthType.rawValue) needs client_ca_file (or client_ca)")
        }
        if !config.clientAllowedSANs.isEmpty && !config.clientAuthType.requiresCertificate {
            throw ConfigurationError(
                "tls_server_config: client_allowed_sans needs client_auth_type RequireAndVerifyClientCert or RequireAnyClientCert")
        }
        guard config.minVersion <= config.maxVersion else {
            throw ConfigurationError(
                "tls_server_config: min_version \(config.minVersion.rawValue) is above max_version \(config.maxVersion.rawValue)")
        }

        certificateChain = try Self.certificates(certificate, what: "cert")
        self.privateKey = try Self.privateKey(privateKey)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) }, privateKey: .privateKey(self.privateKey))
        tls.minimumTLSVersion = config.minVersion.nioVersion
        tls.maximumTLSVersion = config.maxVersion.nioVersion
        if !config.cipherSuites.isEmpty {
            tls.cipherSuiteValues = try Self.look(up: config.cipherSuites, in: Self.cipherSuites, what: "cipher suite")
        }
        if !config.curvePreferences.isEmpty {
            tls.curves = try Self.look(up: config.curvePreferences, in: Self.curves, what: "curve")
        }
        switch config.clientAuthType {
        case .noClientCert: tls.certificateVerification = .none
        case .requestClientCert, .verifyClientCertIfGiven: tls.certificateVerification = .optionalVerification
        case .requireAnyClientCert, .requireAndVerifyClientCert: tls.certificateVerification = .noHostnameVerification
        }
        if let clientCA = config.clientCA {
            tls.trustRoots = .certificates(try Self.certificates(clientCA, what: "client_ca"))
            tls.sendCANameList = true
        }
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw ConfigurationError(
                "tls_server_config: cannot use the certificate with the key (is it the certificate's key?): \(error)")
        }
        clientAuthType = config.clientAuthType
        clientAllowedSANs = Set(config.clientAllowedSANs)
    }

    /// The handlers that go first in each connection's pipeline.
    func makeHandlers() -> [ChannelHandler] {
        let handler: NIOSSLServerHandler
        if clientAuthType.verifiesCertificate || clientAuthType == .noClientCert {
            handler = NIOSSLServerHandler(context: context)
        } else {
            // RequestClientCert and RequireAnyClientCert ask for a certificate but take any.
            handler = NIOSSLServerHandler(context: context) { _, promise in promise.succeed(.certificateVerified) }
        }
        return clientAllowedSANs.isEmpty ? [handler] : [handler, ClientSANCheck(allowed: clientAllowedSANs)]
    }

    private static func certificates(_ source: TLSServerConfig.Source, what: String) throws(ConfigurationError)
        -> [NIOSSLCertificate]
    {
        try checkReadable(source, what: what)
        let certificates: [NIOSSLCertificate]
        do {
            switch source {
            case .file(let path): certificates = try NIOSSLCertificate.fromPEMFile(path)
            case .inline(let text): certificates = try NIOSSLCertificate.fromPEMBytes(Array(text.utf8))
            }
        } catch {
            throw ConfigurationError("tls_server_config: no valid PEM certificate in \(source.name(what)) (\(error))")
        }
        guard !certificates.isEmpty else {
            throw ConfigurationError("tls_server_config: no PEM certificate in \(source.name(what))")
        }
        return certificates
    }

    private static func privateKey(_ source: TLSServerConfig.Source) throws(ConfigurationError) -> NIOSSLPrivateKey {
        try checkReadable(source, what: "key")
        do {
            switch source {
            case .file(let path): return try NIOSSLPrivateKey(file: path, format: .pem)
            case .inline(let text): return try NIOSSLPrivateKey(bytes: Array(text.utf8), format: .pem)
            }
        } catch {
            throw ConfigurationError("tls_server_config: no valid PEM private key in \(source.name("key")) (\(error))")
        }
    }

    /// The values of Go's `names` in `table`, failing on the first unknown one.
    private static func look<Value>(up names: [String], in table: [String: Value], what: String)
        throws(ConfigurationError) -> [Value]
    {
        try names.map { name throws(ConfigurationError) in
            guard let value = table[name] else {
                throw ConfigurationError(
                    "tls_server_config: unknown \(what) '\(name)': expected one of \(table.keys.sorted().joined(separator: ", "))")
            }
            return value
        }
    }

    private static func checkReadable(_ source: TLSServerConfig.Source, what: String) throws(ConfigurationError) {
        if case .file(let path) = source, let problem = unreadable(path) {
            throw ConfigurationError("tls_server_config: cannot read \(source.name(what)): \(problem)")
        }
    }

    /// Go's names for the suites BoringSSL offers (TLS 1.3's are not configurable, as in Go).
    private static let cipherSuites: [String: NIOTLSCipher] = [
        "TLS_RSA_WITH_AES_128_CBC_SHA": .TLS_RSA_WITH_AES_128_CBC_SHA,
        "TLS_RSA_WITH_AES_256_CBC_SHA": .TLS_RSA_WITH_AES_256_CBC_SHA,
        "TLS_RSA_WITH_AES_128_GCM_SHA256": .TLS_RSA_WITH_AES_128_GCM_SHA256,
        "TLS_RSA_WITH_AES_256_GCM_SHA384": .TLS_RSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": .TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": .TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": .TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": .TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// Go's `tls.CurveID` names.
    private static let curves: [String: NIOTLSCurve] = [
        "CurveP256": .secp256r1, "CurveP384": .secp384r1, "CurveP521": .secp521r1, "X25519": .x25519,
    ]
}

extension TLSServerConfig.Source {
    fileprivate func name(_ key: String) -> String {
        switch self {
        case .file(let path): "\(key)_file \(path)"
        case .inline: "inline \(key)"
        }
    }
}

extension TLSVersionName {
    fileprivate var nioVersion: TLSVersion {
        switch self {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}

/// `client_allowed_sans`: after the handshake, closes a connection whose client certificate has
/// no subject alternative name (DNS, IP, e-mail or URI) in the list. Nothing is read before.
final class ClientSANCheck: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let allowed: Set<String>

    init(allowed: Set<String>) {
        self.allowed = allowed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Decrypted data comes only after the handshake, when this handler has removed itself.
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case TLSUserEvent.handshakeCompleted = event else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate
        let names = certificate.map { $0._subjectAlternativeNames().compactMap(Self.text(of:)) } ?? []
        guard names.contains(where: allowed.contains) else {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// The name as Go prints it: addresses in their usual text form.
    private static func text(of name: _SubjectAlternativeName) -> String? {
        let bytes = Array(name.contents)
        switch name.nameType {
        case .dnsName, .email, .uri:
            return String(decoding: bytes, as: UTF8.self)
        case .ipAddress:
            let family = bytes.count == 4 ? AF_INET : bytes.count == 16 ? AF_INET6 : -1
            guard family != -1 else { return nil }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil else { return nil }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        default:
            return nil
        }
    }
}
