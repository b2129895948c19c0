import NIOCore
import NIOHTTP1
import SentryCore

/// Answers one HTTP connection: the exposition at the telemetry path, a landing page at `/`,
/// 404 elsewhere, 405 for methods other than GET and HEAD.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let telemetryPath: String
    private let store: ExpositionStore
    private let landingPage: ByteBuffer
    private var request: HTTPRequestHead?

    init(telemetryPath: String, store: ExpositionStore) {
        self.telemetryPath = telemetryPath
        self.store = store
        landingPage = ByteBuffer(string: Self.landingPage(telemetryPath: telemetryPath))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break  // no route takes a body; it is read and dropped
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    /// Answers a malformed request with 400 and closes. This replaces NIO's
    /// `HTTPServerProtocolErrorHandler`, which also answers when the parser fails because the
    /// channel is already closing (a half-sent request during a graceful shutdown) and then
    /// trips `HTTPServerPipelineHandler`'s "Wrote in quiescing completed state" assertion.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is HTTPParserError, context.channel.isActive {
            let headers = HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        var body: ByteBuffer
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""

        if head.method != .GET && head.method != .HEAD {
            status = .methodNotAllowed
            headers.add(name: "Allow", value: "GET, HEAD")
            body = ByteBuffer(string: "Method Not Allowed\n")
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        } else if path == telemetryPath {
            status = .ok
            let acceptsGzip = head.headers[canonicalForm: "accept-encoding"].contains { $0.lowercased().hasPrefix("gzip") }
            let (exposition, isGzipped) = store.body(acceptsGzip: acceptsGzip)
            body = exposition
            headers.add(name: "Content-Type", value: ExpositionWriter.contentType)
            if isGzipped { headers.add(name: "Content-Encoding", value: "gzip") }
            headers.add(name: "Vary", value: "Accept-Encoding")
        } else if path == "/" {
            status = .ok
            body = landingPage
            headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        } else {
            status = .notFound
            body = ByteBuffer(string: "Not Found\n")
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        }
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }

        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in boundContext.value.close(promise: nil) }
        }
    }

    private static func landingPage(telemetryPath: String) -> String {
        let link = telemetryPath
            .replacing("&", with: "&amp;").replacing("<", with: "&lt;")
            .replacing(">", with: "&gt;").replacing("\"", with: "&quot;")
        return """
            <!DOCTYPE html>
            <html>
            <head><meta charset="utf-8"><title>proc-sentry</title></head>
            <body>
            <h1>proc-sentry</h1>
            <p>Top N processes by CPU, memory and disk IO, for Prometheus.</p>
            <p><a href="\(link)">Metrics</a></p>
            </body>
            </html>

            """
    }
}
