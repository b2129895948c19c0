import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One HTTP response as the client saw it.
public struct HTTPResponse {
    /// E.g. `HTTP/1.1 200 OK`.
    public let statusLine: String
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: Data

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The last value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Parses a head (status line and header lines, CRLF-separated, without the blank line).
    public init(head: String, body: Data) throws {
        let lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard let statusLine = lines.first else { throw HarnessError("empty HTTP response head") }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw HarnessError("bad HTTP status line: \(statusLine.debugDescription)")
        }
        self.statusLine = statusLine
        self.status = status
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (
                String(line[..<colon]),
                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            )
        }
        self.body = body
    }
}

/// Requests `url` with curl (`arguments` go before the URL), returning the raw body (no
/// decompression unless the arguments ask for it).
public func curl(_ url: String, _ arguments: [String] = []) async throws -> HTTPResponse {
    let directory = try TemporaryDirectory("curl")
    defer { directory.remove() }
    let headPath = directory.path("head")
    let bodyPath = directory.path("body")
    let result = try await runCommand(
        Tools.curl,
        ["-sS", "--max-time", "15", "--noproxy", "*", "-D", headPath, "-o", bodyPath] + arguments + [url],
        timeout: .seconds(20))
    guard result.status == 0 else {
        throw HarnessError("curl \(arguments) \(url) failed (\(result.status.map(String.init) ?? "signal")): \(result.stderrText)")
    }
    let headText = (try? String(contentsOfFile: headPath, encoding: .utf8)) ?? ""
    // Keep the last head only (after a 100 Continue, say).
    let heads = headText.components(separatedBy: "\r\n\r\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    let body = (try? Data(contentsOf: URL(fileURLWithPath: bodyPath))) ?? Data()
    return try HTTPResponse(head: heads.last ?? "", body: body)
}

/// A plain TCP connection to 127.0.0.1, for requests curl cannot make (a client that stops
/// half-way, a HEAD whose body must be absent).
public final class RawConnection {
    public private(set) var fd: Int32

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
        var address = loopbackAddress(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw HarnessError("connect to 127.0.0.1:\(port): errno \(code)")
        }
    }

    deinit { close() }

    public func send(_ text: String) throws {
        try send(bytes: Array(text.utf8))
    }

    /// Sends raw bytes (which need not be UTF-8).
    public func send(bytes: [UInt8]) throws {
        var bytes = bytes[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HarnessError("send: errno \(errno)") }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Reads until the peer closes the connection or `timeout` passes; `closed` tells which.
    public func receiveAll(timeout: Duration) -> (data: Data, closed: Bool) {
        receive(timeout: timeout) { _ in false }
    }

    /// Reads until `complete` holds for the bytes received so far, the peer closes the
    /// connection, or `timeout` passes; `closed` tells whether the peer closed it.
    public func receive(timeout: Duration, until complete: (Data) -> Bool) -> (data: Data, closed: Bool) {
        var data = Data()
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline, !complete(data) {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = Glibc.poll(&descriptor, 1, 20)
            if ready < 0, errno != EINTR { return (data, true) }
            guard ready > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                data.append(contentsOf: buffer[0..<n])
            } else if n == 0 || errno != EINTR {
                return (data, true)
            }
        }
        return (data, false)
    }

    /// Reads one response whose head has a `Content-Length` (and, unless `bodyless`, that many
    /// body bytes), leaving the connection open; nil if the peer closed it or `timeout` passed first.
    public func receiveResponse(timeout: Duration, bodyless: Bool = false) throws -> HTTPResponse? {
        let separator = Data("\r\n\r\n".utf8)
        var response: HTTPResponse?
        _ = receive(timeout: timeout) { data in
            guard let end = data.range(of: separator),
                let head = try? HTTPResponse(head: String(decoding: data[..<end.lowerBound], as: UTF8.self), body: Data()),
                let length = head.header("Content-Length").flatMap(Int.init)
            else { return false }
            let body = data[end.upperBound...]
            guard bodyless || body.count >= length else { return false }
            response = try? HTTPResponse(
                head: String(decoding: data[..<end.lowerBound], as: UTF8.self),
                body: Data(body.prefix(bodyless ? 0 : length)))
            return true
        }
        return response
    }

    /// True if the connection is still open: the peer has not closed it (pending unread bytes
    /// are left unread).
    public var isOpen: Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN) | 0x2000, revents: 0)
        guard Glibc.poll(&descriptor, 1, 0) >= 0 else { return false }
        if descriptor.revents & (0x2000 | Int16(POLLHUP) | Int16(POLLERR)) != 0 { return false }
        return true
    }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Sends a whole request and reads the response until the server closes the connection.
    public static func exchange(port: Int, _ request: String, timeout: Duration = .seconds(10)) throws -> (head: String, body: Data) {
        let connection = try RawConnection(port: port)
        defer { connection.close() }
        try connection.send(request)
        let (data, closed) = connection.receiveAll(timeout: timeout)
        guard closed else { throw HarnessError("server did not close the connection after \(timeout)") }
        let separator = Data("\r\n\r\n".utf8)
        guard let range = data.range(of: separator) else {
            throw HarnessError("no end of head in response: \(String(decoding: data, as: UTF8.self).debugDescription)")
        }
        return (String(decoding: data[..<range.lowerBound], as: UTF8.self), Data(data[range.upperBound...]))
    }
}

private func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}

/// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
    defer { Glibc.close(fd) }
    var address = loopbackAddress(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw HarnessError("bind: errno \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw HarnessError("getsockname: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A socket listening on 127.0.0.1 at a port of its choosing, held until `close()`.
public final class ListeningSocket {
    public private(set) var fd: Int32
    public let port: Int

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw HarnessError("bind/listen: errno \(code)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close() }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}
