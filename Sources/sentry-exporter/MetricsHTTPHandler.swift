import NIOCore
import NIOHTTP1
import SentryCore

/// Answers one HTTP connection: the exposition at the telemetry path, a landing page at `/`,
/// 404 elsewhere, 405 for methods other than GET and HEAD; 401 without valid credentials when
/// `--web.config.file` has basic_auth_users; 400 for a malformed request, 431 for a head over
/// `HTTPServerLimits.maxHeadBytes`, 413 for a body over `maxBodyBytes` (each closing the connection).
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let telemetryPath: String
    private let store: ExpositionStore
    private let connection: ConnectionGuard
    private let security: WebSecurity
    private let landingPage: ByteBuffer
    private var request: HTTPRequestHead?
    private var bodyBytes = 0
    /// An error response was sent: nothing more is read or answered.
    private var rejected = false

    init(telemetryPath: String, store: ExpositionStore, connection: ConnectionGuard, security: WebSecurity) {
        self.telemetryPath = telemetryPath
        self.store = store
        self.connection = connection
        self.security = security
        landingPage = ByteBuffer(string: Self.landingPage(telemetryPath: telemetryPath))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !rejected else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
            bodyBytes = 0
            // Refused before the body is read when its declared length is already too much.
            if let length = head.headers.first(name: "content-length").flatMap(Int.init),
                length > HTTPServerLimits.maxBodyBytes
            {
                reject(.payloadTooLarge, context: context)
            }
        case .body(let part):
            // No route takes a body; a small one is read and dropped.
            bodyBytes += part.readableBytes
            if bodyBytes > HTTPServerLimits.maxBodyBytes { reject(.payloadTooLarge, context: context) }
        case .end:
            guard let head = request else { return }
            request = nil
            connection.requestReceived()
            authorizeThenRespond(to: head, context: context)
        }
    }

    /// Answers a malformed request with 400 (431 for an oversized head) and closes. This
    /// replaces NIO's `HTTPServerProtocolErrorHandler`, which also answers when the parser fails
    /// because the channel is already closing (a half-sent request during a graceful shutdown)
    /// and then trips `HTTPServerPipelineHandler`'s "Wrote in quiescing completed state" assertion.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard !rejected else { return }
        if let error = error as? HTTPParserError, context.channel.isActive {
            reject(error == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest, context: context)
        } else {
            context.close(promise: nil)
        }
    }

    /// Sends `status` with `Connection: close`, then closes the output and drains the input for
    /// a moment (so the client reads the response rather than a reset), then closes.
    private func reject(_ status: HTTPResponseStatus, context: ChannelHandlerContext) {
        rejected = true
        request = nil
        let headers = HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        let connection = NIOLoopBound(self.connection, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { result in
            switch result {
            case .success: connection.value.linger()
            case .failure: break  // already closed
            }
        }
    }

    /// Responds once the request's credentials pass: at once when no users are configured or the
    /// scraper's credentials are remembered, else after a bcrypt check on the verification thread.
    private func authorizeThenRespond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard let authenticator = security.authenticator, let pool = security.verificationPool else {
            return send(route(head), for: head, context: context)
        }
        switch authenticator.quickCheck(authorization: head.headers.first(name: "authorization")) {
        case .accepted:
            send(route(head), for: head, context: context)
        case .rejected:
            send(Self.unauthorized, for: head, context: context)
        case .needsVerification(let credentials):
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            pool.runIfActive(eventLoop: context.eventLoop) { authenticator.verify(credentials) }
                .whenComplete { result in
                    let (handler, context) = bound.value
                    guard context.channel.isActive else { return }
                    let passed = (try? result.get()) ?? false
                    handler.send(passed ? handler.route(head) : Self.unauthorized, for: head, context: context)
                }
        }
    }

    /// A response before the headers common to all of them are added.
    private struct Response {
        var status: HTTPResponseStatus
        var headers = HTTPHeaders()
        var body: ByteBuffer

        init(_ status: HTTPResponseStatus, text: String) {
            self.status = status
            body = ByteBuffer(string: text)
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        }

        init(_ status: HTTPResponseStatus, body: ByteBuffer, contentType: String) {
            self.status = status
            self.body = body
            headers.add(name: "Content-Type", value: contentType)
        }
    }

    private static let unauthorized = {
        var response = Response(.unauthorized, text: "Unauthorized\n")
        response.headers.add(name: "WWW-Authenticate", value: "Basic")
        return response
    }()

    private func route(_ head: HTTPRequestHead) -> Response {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        if head.method != .GET && head.method != .HEAD {
            var response = Response(.methodNotAllowed, text: "Method Not Allowed\n")
            response.headers.add(name: "Allow", value: "GET, HEAD")
            return response
        } else if path == telemetryPath {
            let acceptsGzip = head.headers[canonicalForm: "accept-encoding"].contains { $0.lowercased().hasPrefix("gzip") }
            let (exposition, isGzipped) = store.body(acceptsGzip: acceptsGzip)
            var response = Response(.ok, body: exposition, contentType: ExpositionWriter.contentType)
            if isGzipped { response.headers.add(name: "Content-Encoding", value: "gzip") }
            response.headers.add(name: "Vary", value: "Accept-Encoding")
            return response
        } else if path == "/" {
            return Response(.ok, body: landingPage, contentType: "text/html; charset=utf-8")
        } else {
            return Response(.notFound, text: "Not Found\n")
        }
    }

    private func send(_ response: Response, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = response.headers
        for (name, value) in security.responseHeaders { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(response.body.readableBytes))
        let keepAlive = head.isKeepAlive
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if head.version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")  // or an HTTP/1.0 client closes
        }

        let responseHead = HTTPResponseHead(version: head.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let connection = NIOLoopBound(self.connection, eventLoop: context.eventLoop)
        done.whenComplete { _ in
            if keepAlive {
                connection.value.responseSent()
            } else {
                boundContext.value.close(promise: nil)
            }
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
