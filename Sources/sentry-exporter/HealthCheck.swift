import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SentryCore

/// `--health-check`: asks the exporter that the same flags describe whether it serves its
/// telemetry path, for a container's `HEALTHCHECK` in an image that holds no shell and no curl.
///
/// It GETs the telemetry path from the listen address (the loopback address when that is every
/// interface) and is healthy on a 200. With `--web.config.file`:
/// - TLS: it speaks TLS and does not verify the server's certificate (it checks its own server,
///   whose certificate names a host rather than the loopback address); when the server requires
///   a client certificate, it presents the server's own certificate and key, so it passes only
///   where the client CA accepts them.
/// - basic_auth_users: the file holds only bcrypt hashes, so it cannot log in; a 401 counts as
///   healthy then. That shows the server answers HTTP, not that its scans run.
struct HealthCheck {
    let host: String
    let port: Int
    let path: String
    let tls: ServerTLS?
    let acceptsUnauthorized: Bool
    /// Connecting and the whole response together, so a hung server fails the check rather than
    /// leaving it to the container runtime's own timeout.
    let timeout: TimeAmount

    init(address: ListenAddress, path: String, configuration: WebConfiguration?, timeout: TimeAmount) throws(ConfigurationError) {
        let everyInterface = address.host.isEmpty || address.host == "::" || address.host == "0.0.0.0"
        host = everyInterface ? "127.0.0.1" : address.host
        port = address.port
        self.path = path
        tls = try configuration?.tlsServerConfig.flatMap { config throws(ConfigurationError) in try ServerTLS(config) }
        acceptsUnauthorized = !(configuration?.basicAuthUsers.isEmpty ?? true)
        self.timeout = timeout
    }

    /// The URL checked, for messages.
    var url: String {
        "\(tls == nil ? "http" : "https")://\(HostAndPort(host: host, port: port))\(path)"
    }

    /// Runs the check: nil when healthy, else what went wrong.
    func run() -> String? {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let status: HTTPResponseStatus
        do {
            status = try request(on: group.next()).wait()
        } catch {
            return "GET \(url): \(error)"
        }
        if status == .ok || (status == .unauthorized && acceptsUnauthorized) { return nil }
        return "GET \(url) answered \(status.code) \(status.reasonPhrase)"
    }

    private func request(on eventLoop: EventLoop) -> EventLoopFuture<HTTPResponseStatus> {
        let response = eventLoop.makePromise(of: HTTPResponseStatus.self)
        let deadline = eventLoop.scheduleTask(in: timeout) { response.fail(HealthCheckError.timedOut(timeout)) }
        response.futureResult.whenComplete { _ in deadline.cancel() }
        let tlsContext: NIOSSLContext?
        do {
            tlsContext = try tls.map { try NIOSSLContext(configuration: clientConfiguration(for: $0)) }
        } catch {
            response.fail(error)
            return response.futureResult
        }
        let head = HTTPRequestHead(
            version: .http1_1, method: .GET, uri: path,
            headers: HTTPHeaders([("Host", HostAndPort(host: host, port: port).description), ("Connection", "close")]))
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext { try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: nil)) }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(StatusReader(response: response))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                    response.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure(let error):
                    response.fail(error)
                }
            }
        return response.futureResult
    }

    private func clientConfiguration(for server: ServerTLS) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        if server.clientAuthType.requiresCertificate {
            configuration.certificateChain = server.certificateChain.map { .certificate($0) }
            configuration.privateKey = .privateKey(server.privateKey)
        }
        return configuration
    }
}

enum HealthCheckError: Error, CustomStringConvertible {
    case timedOut(TimeAmount)
    case closedBeforeResponse

    var description: String {
        switch self {
        case .timedOut(let timeout): "no response within \(timeout.nanoseconds / 1_000_000)ms"
        case .closedBeforeResponse: "the connection closed before a whole response"
        }
    }
}

/// Completes `response` with the status once the whole response (body included) has arrived.
private final class StatusReader: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let response: EventLoopPromise<HTTPResponseStatus>
    private var status: HTTPResponseStatus?

    init(response: EventLoopPromise<HTTPResponseStatus>) {
        self.response = response
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = head.status
        case .body: break
        case .end: if let status { response.succeed(status) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        response.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        response.fail(HealthCheckError.closedBeforeResponse)
    }
}
