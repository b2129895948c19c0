import NIOPosix
import SentryCore

/// What `--web.config.file` asks of every connection, ready to use: TLS, basic auth (with the
/// thread that runs bcrypt checks, so they never stall the event loop) and extra response headers.
struct WebSecurity {
    var tls: ServerTLS?
    var authenticator: BasicAuthenticator?
    /// Runs `BasicAuthenticator.verify`; started only when there are users.
    var verificationPool: NIOThreadPool?
    var responseHeaders: [(name: String, value: String)] = []

    /// No TLS, no auth, no extra headers: no `--web.config.file`.
    static let none = WebSecurity()

    /// Builds everything the file configures, failing on the first problem.
    init(_ configuration: WebConfiguration) throws(ConfigurationError) {
        tls = try configuration.tlsServerConfig.flatMap { config throws(ConfigurationError) in try ServerTLS(config) }
        if !configuration.basicAuthUsers.isEmpty {
            authenticator = try BasicAuthenticator(users: configuration.basicAuthUsers)
            // One thread: bcrypt checks of bad guesses queue there, and cost at most one core.
            let pool = NIOThreadPool(numberOfThreads: 1)
            pool.start()
            verificationPool = pool
        }
        responseHeaders = configuration.httpServerConfig?.headers ?? []
    }

    private init() {}
}
