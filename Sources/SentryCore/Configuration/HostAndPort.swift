/// A network address as flags and URLs write it: `host:port`, `[IPv6 host]:port`, `host`, or
/// `:port` (no host).
public struct HostAndPort: Equatable, Sendable, CustomStringConvertible {
    /// The host without brackets; empty when none was given.
    public var host: String
    /// Nil when none was given.
    public var port: Int?

    public init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    /// Parses `text`; nil when a bracket is unmatched, an IPv6 host has no brackets (its port
    /// would be ambiguous), or the port is not a number from 0 to 65535.
    public init?(_ text: some StringProtocol) {
        var host = Substring(text)
        var port: Int?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            guard !host.isEmpty else { return nil }
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(decimalDigits: after.dropFirst().utf8) else { return nil }
                port = number
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard let number = Int(decimalDigits: host[host.index(after: colon)...].utf8) else { return nil }
            port = number
            host = host[..<colon]
            if host.contains(":") { return nil }
        }
        if let port, !(0...65535).contains(port) { return nil }
        self.init(host: String(host), port: port)
    }

    /// The host as a URL or a `Host` header writes it: in brackets when it is an IPv6 address.
    public var hostForURL: String {
        host.contains(":") ? "[\(host)]" : host
    }

    /// As given, with brackets around an IPv6 host.
    public var description: String {
        port.map { "\(hostForURL):\($0)" } ?? hostForURL
    }
}
