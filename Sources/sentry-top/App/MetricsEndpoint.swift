import Glibc
import SentryCore

/// A sentry-exporter's metrics URL, fetched with one blocking HTTP/1.1 GET per refresh.
///
/// Written on plain sockets rather than with SwiftNIO or AsyncHTTPClient: a TUI that asks one
/// server once a second needs no event loop, and those would add threads and megabytes of
/// memory to the tool that is supposed to be lighter than htop. Only `http://` is supported.
struct MetricsEndpoint: Equatable, Sendable {
    var host: String
    var port: Int
    var path: String

    /// Largest body accepted; a sentry-exporter scrape is well under a megabyte.
    static let maximumResponseBytes = 64 << 20

    /// Parses `http://HOST[:PORT][/PATH]` (IPv6 hosts in brackets); the path defaults to `/metrics`.
    init?(url: String) {
        guard url.lowercased().hasPrefix("http://") else { return nil }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        guard let address = HostAndPort(authority), !address.host.isEmpty, address.port != 0,
            !address.host.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" })
        else { return nil }
        host = address.host
        port = address.port ?? 80
        self.path = path.isEmpty ? "/metrics" : String(path)
    }

    var url: String {
        "http://\(HostAndPort(host: host, port: port))\(path)"
    }

    /// GETs the body, giving up after `timeout` seconds in all.
    func fetch(timeout: Double) -> Result<[UInt8], SourceError> {
        let deadline = SystemClock.seconds(CLOCK_MONOTONIC) + timeout
        let fd: Int32
        switch connect(deadline: deadline) {
        case .success(let socket): fd = socket
        case .failure(let error): return .failure(error)
        }
        defer { close(fd) }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(HostAndPort(host: host, port: port))\r\nAccept: text/plain\r\nUser-Agent: sentry-top/\(ProcSentry.version)\r\nConnection: close\r\n\r\n"
        guard Self.send(Array(request.utf8), on: fd, deadline: deadline) else { return .failure(fail("sending the request failed")) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            guard Self.wait(fd, for: Int16(POLLIN), until: deadline) else { return .failure(fail("timed out after \(timeout)s")) }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .failure(fail(String(cString: strerror(errno))))
            }
            response += chunk[..<n]
            guard response.count <= Self.maximumResponseBytes else { return .failure(fail("response too large")) }
        }
        return HTTPResponse.body(of: response).mapError { fail($0.reason) }
    }

    private func fail(_ reason: String) -> SourceError {
        SourceError(message: "\(url): \(reason)")
    }

    /// A connected non-blocking socket to the first address of `host` that accepts.
    private func connect(deadline: Double) -> Result<Int32, SourceError> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            return .failure(fail("cannot resolve \(host): \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { continue }
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return .success(fd) }
            if errno == EINPROGRESS, Self.wait(fd, for: Int16(POLLOUT), until: deadline) {
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                if error == 0 { return .success(fd) }
                lastError = String(cString: strerror(error))
            } else {
                lastError = errno == EINPROGRESS ? "connection timed out" : String(cString: strerror(errno))
            }
            close(fd)
        }
        return .failure(fail(lastError))
    }

    private static func send(_ bytes: [UInt8], on fd: Int32, deadline: Double) -> Bool {
        var offset = 0
        while offset < bytes.count {
            guard wait(fd, for: Int16(POLLOUT), until: deadline) else { return false }
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Waits until `fd` is ready for `events`; false on timeout or error.
    private static func wait(_ fd: Int32, for events: Int16, until deadline: Double) -> Bool {
        while true {
            let remaining = Int32(max((deadline - SystemClock.seconds(CLOCK_MONOTONIC)) * 1000, 0))
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&entry, 1, remaining)
            if n > 0 { return true }
            if n == 0 || errno != EINTR { return false }
        }
    }

}

/// The parts of an HTTP/1.1 response a metrics fetch needs.
enum HTTPResponse {
    /// Why a response has no usable body.
    struct Failure: Error, Equatable {
        var reason: String
    }

    /// The body of a complete response read until the server closed: a 200 status, then the
    /// body as sent (`Content-Length`) or de-chunked (`Transfer-Encoding: chunked`).
    static func body(of response: [UInt8]) -> Result<[UInt8], Failure> {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = response.firstRange(of: separator) else { return .failure(Failure(reason: "incomplete HTTP response")) }
        let head = String(decoding: response[..<end.lowerBound], as: UTF8.self)
        var body = Array(response[end.upperBound...])
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.") else { return .failure(Failure(reason: "not an HTTP response")) }
        let status = statusLine.split(separator: " ", maxSplits: 2)
        guard status.count >= 2 else { return .failure(Failure(reason: "malformed status line")) }
        guard status[1] == "200" else { return .failure(Failure(reason: "HTTP \(status.dropFirst().joined(separator: " "))")) }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingBlanks()
        }
        if headers["content-encoding"].map({ $0 != "identity" }) ?? false {
            return .failure(Failure(reason: "unexpected Content-Encoding \(headers["content-encoding"]!)"))
        }
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            guard let decoded = dechunk(body) else { return .failure(Failure(reason: "malformed chunked body")) }
            body = decoded
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard body.count >= length else { return .failure(Failure(reason: "truncated body")) }
            body = Array(body.prefix(length))
        }
        return .success(body)
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8]? {
        var result: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = bytes[index...].firstRange(of: Array("\r\n".utf8)) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self).prefix { $0 != ";" }
            guard let size = Int(sizeText.trimmingBlanks(), radix: 16), size >= 0 else { return nil }
            index = lineEnd.upperBound
            if size == 0 { return result }
            guard bytes.count - index >= size + 2 else { return nil }
            result += bytes[index..<(index + size)]
            index += size + 2
        }
    }
}

