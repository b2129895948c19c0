import NIOSSL

/// How requests reach the query API: TLS, headers (credentials, a tenant), and the name the
/// server's certificate is checked against.
struct HTTPAccess: Sendable {
    /// TLS for https URLs: the system's roots unless a CA file is given.
    var tls = TLSConfiguration.makeClientConfiguration()
    /// Sent with every request, after the client's own (so `Authorization` or a tenant header
    /// such as `X-Scope-OrgID` can be set).
    var headers: [(name: String, value: String)] = []
    /// `tls_config.server_name`: the host name for SNI and certificate checks when it differs
    /// from the URL's host.
    var serverName: String?

    /// AsyncHTTPClient checks the certificate against the URL's host: with a server name, the
    /// request goes to that name, which `dnsOverride` maps back to the real host.
    func requestURL(_ url: String) -> String {
        guard let serverName, let host = Self.hostRange(in: url) else { return url }
        var url = url
        url.replaceSubrange(host, with: serverName)
        return url
    }

    func dnsOverride(for url: String) -> [String: String] {
        guard let serverName, let host = Self.hostRange(in: url) else { return [:] }
        return [serverName: String(url[host].filter { $0 != "[" && $0 != "]" })]
    }

    /// Where the host is in `scheme://host[:port]/…` (brackets included for IPv6).
    private static func hostRange(in url: String) -> Range<String.Index>? {
        guard let start = url.firstRange(of: "://")?.upperBound else { return nil }
        let authority = url[start...].prefix { $0 != "/" }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") { return start..<authority.index(after: close) }
        return start..<(authority.firstIndex(of: ":") ?? authority.endIndex)
    }
}
