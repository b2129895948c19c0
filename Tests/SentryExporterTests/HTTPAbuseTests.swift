import Foundation
import Testing

/// Requests no scraper sends: oversized heads and bodies, bad methods and versions, protocol
/// confusion, pipelining into garbage, random bytes. Each gets the right 4xx or a closed
/// connection, and the exporter keeps serving. (Routes, HEAD, gzip, HTTP/1.0, keep-alive and
/// the basic malformed requests are in HTTPTests.)
@Suite("HTTP abuse", .timeLimit(.minutes(3)))
struct HTTPAbuseTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let request: [UInt8]
        /// The status lines expected, in order, before the server closes.
        let statuses: [String]
        var testDescription: String { name }

        init(_ name: String, _ request: String, _ statuses: [String]) {
            self.init(name, Array(request.utf8), statuses)
        }

        init(_ name: String, _ request: [UInt8], _ statuses: [String]) {
            self.name = name
            self.request = request
            self.statuses = statuses
        }
    }

    static let big = String(repeating: "a", count: 100_000)

    /// Requests after which the server answers and closes (each ends with `Connection: close`
    /// where it is otherwise valid).
    static let closingCases: [Case] = [
        // Heads: at most 8 KiB of URI and header fields (431); a head of 7,000 bytes is fine.
        Case("100 KB header", "GET /metrics HTTP/1.1\r\nHost: a\r\nX-Big: \(big)\r\n\r\n", ["431"]),
        Case("100 KB URI", "GET /\(big) HTTP/1.1\r\nHost: a\r\n\r\n", ["431"]),
        Case("2,000 small headers", "GET /metrics HTTP/1.1\r\nHost: a\r\n" + (0..<2000).map { "X-\($0): 1\r\n" }.joined() + "\r\n", ["431"]),
        Case(
            "7,000-byte header", "GET /metrics HTTP/1.1\r\nHost: a\r\nX-Big: \(big.prefix(7000))\r\nConnection: close\r\n\r\n",
            ["200"]),
        Case("4,000-byte path", "GET /\(big.prefix(4000)) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", ["404"]),
        // Bodies: at most 4 KiB (413), refused on a declared length before it is sent.
        Case(
            "100 KB body", "POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n\(big)", ["413"]),
        Case("declared 1 GB body, none sent", "PUT /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n", ["413"]),
        Case(
            "12 KB chunked body",
            "POST /metrics HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + String(repeating: "1000\r\n\(big.prefix(4096))\r\n", count: 3) + "0\r\n\r\n", ["413"]),
        Case(
            "2 KB body", "POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\nConnection: close\r\n\r\n\(big.prefix(2000))",
            ["405"]),
        // Methods.
        Case("unknown method", "FOO /metrics HTTP/1.1\r\nHost: a\r\n\r\n", ["400"]),
        Case("lower-case method", "get /metrics HTTP/1.1\r\nHost: a\r\n\r\n", ["400"]),
        Case("TRACE", "TRACE /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", ["405"]),
        Case("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", ["405"]),
        Case("CONNECT", "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", ["405"]),
        // Versions and protocols.
        Case("HTTP/0.9", "GET /metrics\r\n\r\n", ["400"]),
        Case("HTTP/2.0 request line", "GET /metrics HTTP/2.0\r\nHost: a\r\n\r\n", ["400"]),
        Case("HTTP/9.9", "GET /metrics HTTP/9.9\r\nHost: a\r\n\r\n", ["400"]),
        Case("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ["400"]),
        Case(
            "TLS ClientHello", [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03] + Array(repeating: 0x42, count: 160),
            ["400"]),
        Case(
            "h2c upgrade (ignored)",
            "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
            ["200"]),
        // Framing.
        Case("conflicting Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", ["400"]),
        Case("negative Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", ["400"]),
        Case(
            "Content-Length with Transfer-Encoding",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ["400"]),
        Case("NUL in a header", "GET / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n", ["400"]),
        Case("bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n", ["400"]),
        Case("invalid UTF-8 in the path", Array("GET /".utf8) + [0xFF, 0xFE] + Array(" HTTP/1.1\r\nHost: a\r\n\r\n".utf8), ["400"]),
        // Pipelining into garbage: the good requests are answered in order, then 400.
        Case(
            "pipelined, then garbage",
            "GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\nGARBAGE\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            ["200", "200", "400"]),
    ]

    /// The status codes of every status line in `data`, in order (a body never holds "HTTP/1.x
    /// NNN " here: the landing page and the exposition do not).
    private func statuses(in data: Data) -> [String] {
        let text = String(decoding: data, as: UTF8.self)
        guard let regex = try? NSRegularExpression(pattern: "HTTP/1\\.[01] ([0-9]{3}) ") else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test("Oversized heads and bodies, bad methods, versions and framing: the right status, then closed")
    func answeredThenClosed() async throws {
        // One exporter for every case (one per case would be 27 exporters scanning /proc at once).
        let exporter = try await ExporterProcess.startStable(["--web.read-timeout", "2s"])
        defer { exporter.stop() }
        for testCase in Self.closingCases {
            let connection = try RawConnection(port: exporter.port)
            defer { connection.close() }
            // The server may answer and close before the client has sent everything.
            try? connection.send(bytes: testCase.request)
            let (data, closed) = connection.receiveAll(timeout: .seconds(10))
            #expect(closed, "\(testCase.name): connection left open")
            #expect(
                statuses(in: data) == testCase.statuses,
                "\(testCase.name): \(String(decoding: data.prefix(300), as: UTF8.self).debugDescription)")
            #expect(!exporter.child.hasExited, "\(testCase.name): \(exporter.stderrText)")
        }
        #expect(try await curl(exporter.metricsURL).status == 200)
    }

    @Test("HTTP/1.0 with Connection: keep-alive keeps the connection for a second request")
    func http10KeepAlive() async throws {
        let exporter = try await ExporterProcess.startStable()
        defer { exporter.stop() }
        let connection = try RawConnection(port: exporter.port)
        defer { connection.close() }
        for _ in 0..<2 {
            try connection.send("GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let response = try connection.receiveResponse(timeout: .seconds(10))
            #expect(response?.statusLine.hasPrefix("HTTP/1.0 200") == true, "\(String(describing: response?.statusLine))")
            #expect(response?.header("Connection")?.lowercased() == "keep-alive")
            #expect(connection.isOpen)
        }
    }

    @Test("A request head split into 1-byte writes within the read timeout is answered")
    func byteByByte() async throws {
        let exporter = try await ExporterProcess.startStable()
        defer { exporter.stop() }
        let connection = try RawConnection(port: exporter.port)
        defer { connection.close() }
        for byte in "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8 {
            try connection.send(bytes: [byte])
            try await Task.sleep(for: .milliseconds(2))
        }
        let (data, closed) = connection.receiveAll(timeout: .seconds(10))
        #expect(closed)
        #expect(statuses(in: data) == ["200"])
    }

    @Test("300 random byte strings: each a 4xx or a close, never a crash")
    func randomBytes() async throws {
        let exporter = try await ExporterProcess.startStable(["--web.read-timeout", "1s"])
        defer { exporter.stop() }
        var generator = SplitMix64(seed: 0x5EED_6)
        var outcomes: [String: Int] = [:]
        for index in 0..<300 {
            let length = Int.random(in: 1...3000, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Every other one starts like a request, so the parser gets past the method.
            if index % 2 == 1 { bytes = Array("GET /metrics HTTP/1.1\r\n".utf8) + bytes }
            let connection = try RawConnection(port: exporter.port)
            try? connection.send(bytes: bytes)
            let (data, closed) = connection.receiveAll(timeout: .seconds(5))
            connection.close()
            let found = statuses(in: data)
            #expect(closed, "random input \(index) left the connection open")
            #expect(found.allSatisfy { $0.hasPrefix("4") }, "random input \(index): \(found)")
            outcomes[found.first ?? "closed", default: 0] += 1
        }
        print("random bytes: \(outcomes.sorted { $0.key < $1.key })")
        #expect(!exporter.child.hasExited, "\(exporter.stderrText)")
        #expect(try await curl(exporter.metricsURL).status == 200)
    }
}
