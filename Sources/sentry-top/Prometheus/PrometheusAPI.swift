import AsyncHTTPClient
import FoundationEssentials
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SentryCore

/// The query API of Prometheus and of the stores that serve the same one (Thanos, Mimir,
/// VictoriaMetrics): instant queries by POST to `BASE/api/v1/query`, answered in JSON.
///
/// Over AsyncHTTPClient, for TLS, client certificates and the other `--http.config.file`
/// settings; its one event-loop thread runs only in this mode (local mode never creates a
/// client). Calls block the caller, as the TUI's loop expects.
final class PrometheusAPI {
    /// The base URL as given, without a trailing slash.
    let baseURL: String
    private let access: HTTPAccess
    private let group: MultiThreadedEventLoopGroup
    private let client: HTTPClient
    /// Seconds one query may take.
    static let timeout: Int64 = 10

    init(baseURL: String, access: HTTPAccess) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.access = access
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: access.tls,
            redirectConfiguration: access.followsRedirects ? .follow(max: 3, allowCycles: false) : .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(Self.timeout)))
        // An unreachable server is reported at once, not retried until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.dnsOverride = access.dnsOverride(for: self.baseURL)
        configuration.httpVersion = access.usesHTTP2 ? .automatic : .http1Only
        client = HTTPClient(eventLoopGroup: group, configuration: configuration)
    }

    deinit {
        try? client.syncShutdown()
        try? group.syncShutdownGracefully()
    }

    /// Checks that `url` can be a base URL: http or https, a host, no query or fragment.
    static func validate(baseURL url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return "expected an http:// or https:// URL, such as http://prometheus:9090"
        }
        let rest = url.drop { $0 != "/" }.dropFirst(2)
        let host = rest.prefix { $0 != "/" && $0 != ":" }
        guard !host.isEmpty, !url.contains(where: { $0 == "?" || $0 == "#" || $0 == " " }) else {
            return "expected scheme://host[:port][/path prefix], without query or fragment"
        }
        return nil
    }

    /// Evaluates `expression` at `time` (seconds since the epoch; nil for the server's now).
    func query(_ expression: String, at time: Double?) -> Result<QueryResult, SourceError> {
        query([expression], at: time)[0]
    }

    /// Evaluates `expressions` at `time`, all at once (the server runs them side by side), and
    /// returns their answers in the same order.
    func query(_ expressions: [String], at time: Double?) -> [Result<QueryResult, SourceError>] {
        let pending = expressions.map { expression -> Result<EventLoopFuture<HTTPClient.Response>, any Error> in
            var form = [("query", expression)]
            if let time { form.append(("time", Self.decimal(time))) }
            return Result {
                var request = try HTTPClient.Request(url: access.requestURL(baseURL + "/api/v1/query"), method: .POST)
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.headers.add(name: "Accept", value: "application/json")
                request.headers.add(name: "User-Agent", value: "sentry-top/\(ProcSentry.version)")
                for (name, value) in access.headers { request.headers.replaceOrAdd(name: name, value: value) }
                request.body = .string(form.map { "\($0)=\(Self.formEncoded($1))" }.joined(separator: "&"))
                return client.execute(request: request, deadline: .now() + .seconds(Self.timeout))
            }
        }
        return pending.map { future in
            do {
                let response = try future.get().wait()
                let body = response.body.map { Array($0.readableBytesView) } ?? []
                return Self.decode(status: response.status, body: body).mapError { SourceError(message: "\(baseURL): \($0)") }
            } catch {
                return .failure(SourceError(message: "\(baseURL): cannot query: \(Self.describe(error))"))
            }
        }
    }

    /// The answer to one query, or why there is none, in words.
    static func decode(status: HTTPResponseStatus, body: [UInt8]) -> Result<QueryResult, QueryFailure> {
        let document = try? JSONDecoder().decode(Response.self, from: Data(body))
        switch status.code {
        case 200:
            guard let document, document.status == "success", let data = document.data else {
                return .failure(QueryFailure(description: "not a Prometheus query API (HTTP 200 without a query result)"))
            }
            return .success(QueryResult(data: data, warnings: (document.warnings ?? []) + (document.infos ?? [])))
        case 401, 403:
            return .failure(
                QueryFailure(description: "HTTP \(status.code) \(status.reasonPhrase): the server refused the credentials (see --http.config.file)"))
        default:
            if let error = document?.error {
                return .failure(QueryFailure(description: "query rejected (HTTP \(status.code)): \(error)"))
            }
            let text = String(decoding: body.prefix(200), as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
            return .failure(QueryFailure(description: "HTTP \(status.code) \(status.reasonPhrase)\(text.isEmpty ? "" : ": \(text)")"))
        }
    }

    struct QueryFailure: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// `{"status": …, "data": …, "error": …, "warnings": […]}`.
    private struct Response: Decodable {
        var status: String
        var data: QueryResult.Data?
        var error: String?
        var warnings: [String]?
        var infos: [String]?
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "no answer within \(timeout)s"
            case .connectTimeout: return "connection timed out"
            default: return "\(error)"
            }
        }
        return switch error {
        case let error as NIOConnectionError:
            error.connectionErrors.first.map { describe($0.error) }
                ?? (error.dnsAAAAError ?? error.dnsAError).map { "cannot resolve \(error.host): \($0)" } ?? "cannot connect"
        case let error as IOError: String(cString: strerror(error.errnoCode))
        case NIOSSLError.handshakeFailed(.sslError(let stack)):
            "TLS handshake failed: " + stack.map { describeTLS("\($0)") }.joined(separator: "; ")
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            "TLS: the server's certificate is not for this host (see tls_config.server_name): \(error)"
        default: "\(error)"
        }
    }

    /// BoringSSL's reason (`…:OPENSSL_internal:REASON at file:line`), with a hint for the
    /// usual ones.
    private static func describeTLS(_ text: String) -> String {
        guard let start = text.firstRange(of: "OPENSSL_internal:")?.upperBound else { return text }
        let reason = text[start...].prefix { $0 != " " }
        return switch reason {
        case "WRONG_VERSION_NUMBER": "\(reason) (the server does not speak TLS: an http:// URL?)"
        case "CERTIFICATE_VERIFY_FAILED": "\(reason) (the server's certificate is not trusted: see tls_config.ca_file)"
        default: String(reason)
        }
    }

    /// `application/x-www-form-urlencoded`: unreserved characters as they are, the rest %XX.
    static func formEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                result += "%"
                result.unicodeScalars.append(hex[Int(byte >> 4)])
                result.unicodeScalars.append(hex[Int(byte & 15)])
            }
        }
        return result
    }

    /// Seconds with millisecond precision, as the API takes them.
    static func decimal(_ seconds: Double) -> String {
        Format.fixed(seconds, fractionDigits: 3)
    }
}

/// What an instant query returned: series with their labels and values, and any warnings
/// (a result the server cut short by its limits says so there).
struct QueryResult: Sendable {
    struct Series: Sendable, Decodable {
        var metric: [String: String]
        /// `value` of a vector's series: one sample.
        var value: Sample?
        /// `values` of a matrix's series: the raw samples of a range.
        var values: [Sample]?
    }

    /// `[seconds, "value"]`.
    struct Sample: Sendable, Decodable {
        var time: Double
        var value: Double

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            time = try container.decode(Double.self)
            let text = try container.decode(String.self)
            switch text {
            case "NaN": value = .nan
            case "+Inf", "Inf": value = .infinity
            case "-Inf": value = -.infinity
            default:
                guard let number = Double(text) else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number: \(text)")
                }
                value = number
            }
        }
    }

    struct Data: Sendable, Decodable {
        var resultType: String
        /// Series of a vector or matrix; empty for a scalar or string result.
        var result: [Series]

        private enum CodingKeys: String, CodingKey { case resultType, result }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            resultType = try container.decode(String.self, forKey: .resultType)
            result = (resultType == "vector" || resultType == "matrix") ? try container.decode([Series].self, forKey: .result) : []
        }
    }

    var data: Data
    var warnings: [String]

    var series: [Series] { data.result }
}
