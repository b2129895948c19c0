import Foundation
import Testing

/// The HTTP surface: routes, methods, HEAD, gzip, HTTP/1.0, query strings.
@Suite("HTTP behaviour", .timeLimit(.minutes(2)))
struct HTTPTests {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    @Test("GET /metrics, /, unknown paths, other methods")
    func routesAndMethods() async throws {
        let exporter = try await ExporterProcess.startStable()
        defer { exporter.stop() }

        let metrics = try await curl(exporter.metricsURL)
        #expect(metrics.status == 200)
        #expect(metrics.header("Content-Type") == Self.contentType)
        #expect(metrics.header("Content-Encoding") == nil)
        #expect(metrics.header("Content-Length") == String(metrics.body.count))
        _ = try ScrapedMetrics(metrics.body)

        let landing = try await curl(exporter.baseURL + "/")
        #expect(landing.status == 200)
        #expect(landing.header("Content-Type")?.hasPrefix("text/html") == true, "\(landing.headers)")
        #expect(landing.bodyText.contains("<a href=\"/metrics\">"), "\(landing.bodyText)")
        #expect(landing.bodyText.lowercased().contains("<html"))

        for path in ["/nope", "/metrics/", "/metrics/extra", "/metricsx", "/index.html", "//metrics"] {
            let response = try await curl(exporter.baseURL + path)
            #expect(response.status == 404, "\(path): \(response.statusLine)")
        }
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            for path in ["/metrics", "/"] {
                let response = try await curl(exporter.baseURL + path, ["-X", method])
                #expect(response.status == 405, "\(method) \(path): \(response.statusLine)")
                let allow = response.header("Allow") ?? ""
                #expect(allow.contains("GET") && allow.contains("HEAD"), "\(method) \(path): Allow \(allow.debugDescription)")
            }
        }
        // A POST with a small body is answered too (the body is drained, not left to block the
        // connection; one over 4 KiB gets 413, see HTTPAbuseTests).
        let posted = try await curl(exporter.metricsURL, ["-X", "POST", "-H", "Expect:", "--data-binary", String(repeating: "x", count: 4000)])
        #expect(posted.status == 405)
        // Query strings do not change the route.
        let withQuery = try await curl(exporter.metricsURL + "?x=1&y=%22")
        #expect(withQuery.status == 200)
        #expect(withQuery.body == metrics.body, "the exposition changed within a 1m scan interval")
        let landingWithQuery = try await curl(exporter.baseURL + "/?a=b")
        #expect(landingWithQuery.status == 200)
        #expect(landingWithQuery.bodyText == landing.bodyText)
    }

    @Test("HEAD /metrics: the GET's headers and Content-Length, no body")
    func headHasNoBody() async throws {
        let exporter = try await ExporterProcess.startStable()
        defer { exporter.stop() }
        let before = try await curl(exporter.metricsURL)
        let (head, body) = try RawConnection.exchange(
            port: exporter.port, "HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let after = try await curl(exporter.metricsURL)
        #expect(before.body == after.body, "the exposition changed within a 1m scan interval")

        let response = try HTTPResponse(head: head, body: body)
        #expect(response.status == 200, "\(head)")
        #expect(response.header("Content-Type") == Self.contentType)
        #expect(response.header("Content-Length") == String(before.body.count), "HEAD \(head) vs GET of \(before.body.count) bytes")
        #expect(body.isEmpty, "HEAD returned \(body.count) body bytes")
        #expect(before.body.count > 1000)
    }

    @Test("Accept-Encoding: gzip gets a gzip body that decompresses to the exposition")
    func gzip() async throws {
        try Tools.require(Tools.gunzip, hint: "install gzip")
        let exporter = try await ExporterProcess.startStable()
        defer { exporter.stop() }
        let plain = try await curl(exporter.metricsURL)
        for acceptEncoding in ["gzip", "gzip, deflate, br", "GZIP;q=1.0"] {
            let compressed = try await curl(exporter.metricsURL, ["-H", "Accept-Encoding: \(acceptEncoding)"])
            #expect(compressed.status == 200)
            #expect(compressed.header("Content-Encoding") == "gzip", "Accept-Encoding: \(acceptEncoding)")
            #expect(compressed.header("Content-Type") == Self.contentType)
            #expect(compressed.header("Content-Length") == String(compressed.body.count))
            #expect(Array(compressed.body.prefix(2)) == [0x1F, 0x8B], "not gzip: \(Array(compressed.body.prefix(8)))")
            #expect(compressed.body.count < plain.body.count / 2)
            let gunzipped = try await runCommand(Tools.gunzip, ["-c"], stdin: compressed.body)
            #expect(gunzipped.status == 0, "gunzip: \(gunzipped.stderrText)")
            #expect(gunzipped.stdout == plain.body, "decompressed body differs from the plain one")
        }
        // curl --compressed decodes it itself; the result is a valid exposition.
        let decoded = try await curl(exporter.metricsURL, ["--compressed"])
        #expect(decoded.header("Content-Encoding") == "gzip")
        let scrape = try ScrapedMetrics(decoded.body)
        #expect(scrape.value("proc_sentry_top_n") == 50)
        try await promtoolCheckMetrics(decoded.body, context: "gzip")
        // Identity only: no compression.
        let identity = try await curl(exporter.metricsURL, ["-H", "Accept-Encoding: identity"])
        #expect(identity.header("Content-Encoding") == nil)
        #expect(identity.body == plain.body)
    }

    @Test("--web.telemetry-path /custom serves there, 404s on /metrics, and the landing page links to it")
    func customTelemetryPath() async throws {
        let exporter = try await ExporterProcess.startStable(["--web.telemetry-path", "/custom"])
        defer { exporter.stop() }
        let custom = try await curl(exporter.baseURL + "/custom")
        #expect(custom.status == 200)
        #expect(custom.header("Content-Type") == Self.contentType)
        let customScrape = try ScrapedMetrics(custom.body)
        #expect(customScrape.value("proc_sentry_top_n") == 50)
        let query = try await curl(exporter.baseURL + "/custom?debug=1")
        #expect(query.status == 200)
        let metrics = try await curl(exporter.baseURL + "/metrics")
        #expect(metrics.status == 404)
        let landing = try await curl(exporter.baseURL + "/")
        #expect(landing.bodyText.contains("<a href=\"/custom\">"), "\(landing.bodyText)")
        #expect(exporter.stderrText.contains("telemetry_path=/custom"), "\(exporter.stderrText)")
    }

    @Test("HTTP/1.0 requests are answered in HTTP/1.0 and the connection is closed")
    func http10() async throws {
        let exporter = try await ExporterProcess.startStable()
        defer { exporter.stop() }
        let viaCurl = try await curl(exporter.metricsURL, ["--http1.0"])
        #expect(viaCurl.status == 200)
        #expect(viaCurl.statusLine.hasPrefix("HTTP/1.0 200"), "\(viaCurl.statusLine)")
        _ = try ScrapedMetrics(viaCurl.body)

        // Without a Host header and without keep-alive: the server closes after the response.
        let (head, body) = try RawConnection.exchange(port: exporter.port, "GET /metrics HTTP/1.0\r\n\r\n")
        let response = try HTTPResponse(head: head, body: body)
        #expect(response.statusLine.hasPrefix("HTTP/1.0 200"), "\(head)")
        #expect(response.header("Content-Length") == String(body.count))
        #expect(body == viaCurl.body)
    }

    @Test("Keep-alive: several requests on one HTTP/1.1 connection")
    func keepAlive() async throws {
        let exporter = try await ExporterProcess.startStable()
        defer { exporter.stop() }
        let plain = try await curl(exporter.metricsURL)
        let connection = try RawConnection(port: exporter.port)
        defer { connection.close() }
        // Pipelined: a GET, a 404, a HEAD, then a GET that closes.
        try connection.send(
            "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n" + "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n"
                + "HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\n" + "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let (data, closed) = connection.receiveAll(timeout: .seconds(10))
        #expect(closed, "the server kept the connection open after Connection: close")
        let text = String(decoding: data, as: UTF8.self)
        let statusLines = ScrapedMetrics.lines(text).map { $0.trimmingCharacters(in: .newlines) }
            .filter { $0.hasPrefix("HTTP/") }
        #expect(statusLines == ["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"])
        #expect(data.count > plain.body.count)
    }

    @Test("A malformed request gets 400 and a closed connection; the exporter keeps serving")
    func malformedRequest() async throws {
        let exporter = try await ExporterProcess.startStable()
        defer { exporter.stop() }
        for garbage in ["GARBAGE\r\n\r\n", "GET /metrics HTTP/1.1\r\nHost a\r\n\r\n", "\u{0}\u{1}\u{2}\r\n\r\n"] {
            let (head, _) = try RawConnection.exchange(port: exporter.port, garbage)
            #expect(head.hasPrefix("HTTP/1.1 400"), "\(garbage.debugDescription): \(head)")
        }
        #expect(try await curl(exporter.metricsURL).status == 200)
        #expect(!exporter.child.hasExited)
    }
}
