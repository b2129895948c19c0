import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix

/// The exporter's HTTP listener: binds, serves through `MetricsHTTPHandler` within
/// `HTTPServerLimits` (enforced by each connection's `ConnectionGuard`) and `WebSecurity` (TLS,
/// basic auth), and shuts down gracefully (no new connections, in-flight responses completed).
struct HTTPServer {
    let quiescing: ServerQuiescingHelper
    let channel: Channel

    /// Binds to `address` and starts accepting.
    static func start(
        address: ListenAddress, telemetryPath: String, store: ExpositionStore, limits: HTTPServerLimits,
        security: WebSecurity, group: MultiThreadedEventLoopGroup
    ) throws -> HTTPServer {
        let quiescing = ServerQuiescingHelper(group: group)
        let limiter = ConnectionLimiter(maxConnections: limits.maxConnections)
        let decoderLimits = {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = HTTPServerLimits.maxHeadBytes
            limits.maxHeaderListSize = HTTPServerLimits.maxHeadBytes
            return limits
        }()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = ConnectionGuard(limiter: limiter, limits: limits)
                    let pipeline = channel.pipeline.syncOperations
                    // TLS first: everything after it, the connection guard included, sees plain HTTP.
                    if let tls = security.tls { try pipeline.addHandlers(tls.makeHandlers()) }
                    try pipeline.addHandler(connection)
                    try pipeline.configureHTTPServerPipeline(
                        withErrorHandling: false, withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimits)
                    try pipeline.addHandler(
                        MetricsHTTPHandler(
                            telemetryPath: telemetryPath, store: store, connection: connection, security: security))
                }
            }
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 1)

        var lastError: Error?
        for host in address.bindHosts {
            do {
                let channel = try bootstrap.bind(host: host, port: address.port).wait()
                return HTTPServer(quiescing: quiescing, channel: channel)
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// The port actually bound (differs from the requested one when that was 0).
    var boundPort: Int { channel.localAddress?.port ?? 0 }
}
