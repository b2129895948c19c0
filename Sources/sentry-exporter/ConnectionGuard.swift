import NIOConcurrencyHelpers
import NIOCore

/// The bounds on what one HTTP client can hold of the exporter.
struct HTTPServerLimits: Sendable {
    /// Open connections at most (`--web.max-connections`).
    var maxConnections = 64
    /// Time to send a whole request: from the connection's accept for its first request, from the
    /// first byte for later ones (`--web.read-timeout`).
    var readTimeout: TimeAmount = .seconds(10)
    /// Time a keep-alive connection may wait for its next request, and a response may wait for
    /// the client to read it (`--web.idle-timeout`).
    var idleTimeout: TimeAmount = .seconds(60)

    /// The request line's URI and the header names and values together, at most (NIO's decoder
    /// counts exactly these): a Prometheus scrape's head is about 300 bytes. Over it: 431.
    static let maxHeadBytes = 8 * 1024
    /// Request bodies at most (no route takes one). Over it: 413.
    static let maxBodyBytes = 4 * 1024
    /// How long a rejected connection is drained, its output already closed, so that the client
    /// gets to read the error response rather than a reset for the bytes it is still sending.
    static let lingerTime: TimeAmount = .seconds(1)
}

/// The open connections, to keep them within `--web.max-connections`.
///
/// At the cap, a new connection takes the place of the connection that has waited longest
/// without a complete request (one idle in keep-alive, or still sending its head): so clients that
/// open connections and send nothing, or a head byte by byte, cannot lock scrapes out, and the
/// descriptors stay bounded. A connection whose request is being answered is never closed for
/// another; when every connection is, the new one gets a 503 and is closed.
final class ConnectionLimiter: Sendable {
    private struct Entry {
        let channel: Channel
        /// Has no complete request being answered.
        var evictable: Bool
        /// When it last became evictable (accepted, or its last response sent).
        var since: NIODeadline
    }

    let maxConnections: Int
    private let entries = NIOLockedValueBox([ObjectIdentifier: Entry]())

    init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    /// Admits `channel`, closing the longest-waiting evictable connection to make room if needed;
    /// false if there is no room.
    func admit(_ channel: Channel) -> Bool {
        let (admitted, victim) = entries.withLockedValue { entries -> (Bool, Channel?) in
            var victim: Channel?
            if entries.count >= maxConnections {
                var oldest: (key: ObjectIdentifier, entry: Entry)?
                for (key, entry) in entries where entry.evictable {
                    if oldest.map({ entry.since < $0.entry.since }) ?? true { oldest = (key, entry) }
                }
                guard let oldest else { return (false, nil) }
                entries[oldest.key] = nil
                victim = oldest.entry.channel
            }
            entries[ObjectIdentifier(channel)] = Entry(channel: channel, evictable: true, since: .now())
            return (true, victim)
        }
        victim?.close(promise: nil)
        return admitted
    }

    /// Marks `channel` as answering a request (not evictable) or done with it.
    func setAnswering(_ channel: Channel, _ answering: Bool) {
        entries.withLockedValue { entries in
            let key = ObjectIdentifier(channel)
            guard entries[key] != nil else { return }
            entries[key]!.evictable = !answering
            if !answering { entries[key]!.since = .now() }
        }
    }

    func remove(_ channel: Channel) {
        _ = entries.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var count: Int { entries.withLockedValue { $0.count } }
}

/// First in each connection's pipeline: admits it under the connection cap, enforces the read and
/// idle timeouts, and drains a connection being closed after an error response.
///
/// `MetricsHTTPHandler` reports each request's progress (`requestReceived`, `responseSent`);
/// this handler sees the raw bytes, so it knows when a request has started.
final class ConnectionGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Phase {
        /// Waiting for the first byte of a request; `first`: the connection's first request.
        case waiting(first: Bool)
        /// A request has started and is not complete.
        case reading
        /// A complete request is being answered.
        case answering
        /// An error response was sent and the output closed: input is read and dropped.
        case lingering
    }

    private let limiter: ConnectionLimiter
    private let limits: HTTPServerLimits
    private var phase = Phase.waiting(first: true)
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(limiter: ConnectionLimiter, limits: HTTPServerLimits) {
        self.limiter = limiter
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        guard limiter.admit(context.channel) else {
            phase = .lingering  // drop whatever it sends
            let response = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            context.writeAndFlush(NIOAny(ByteBuffer(string: response)), promise: nil)
            context.close(promise: nil)
            return
        }
        arm(limits.readTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        limiter.remove(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch phase {
        case .lingering:
            return
        case .waiting(let first):
            phase = .reading
            // The first request's time runs from the accept.
            if !first { arm(limits.readTimeout) }
        case .reading, .answering:
            break
        }
        context.fireChannelRead(data)
    }

    /// A complete request was decoded and is being answered. (A pipelined request's bytes may
    /// have arrived with the previous one's, before that was answered: it is then `waiting`.)
    func requestReceived() {
        guard let context else { return }
        switch phase {
        case .reading, .waiting: break
        case .answering, .lingering: return
        }
        phase = .answering
        limiter.setAnswering(context.channel, true)
        arm(limits.idleTimeout)  // for the client to take the response
    }

    /// The response was written; the connection stays open for the next request.
    func responseSent() {
        guard let context, case .answering = phase else { return }
        phase = .waiting(first: false)
        limiter.setAnswering(context.channel, false)
        arm(limits.idleTimeout)
    }

    /// Closes the output (the error response was written), drops whatever the client still
    /// sends, and closes when it closes or after `lingerTime`.
    func linger() {
        guard let context else { return }
        if case .lingering = phase { return }
        phase = .lingering
        limiter.setAnswering(context.channel, false)
        context.close(mode: .output, promise: nil)
        arm(HTTPServerLimits.lingerTime)
    }

    private func arm(_ delay: TimeAmount) {
        cancelTimer()
        guard let context else { return }
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            loopBoundContext.value.close(promise: nil)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
