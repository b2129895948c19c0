import ArgumentParser
import SentryCore

/// A `host:port` to listen on, as node_exporter's `--web.listen-address` takes it:
/// `:9105` (every interface), `127.0.0.1:9105`, `[::1]:9105`, `localhost:0` (any free port).
struct ListenAddress: Equatable, ExpressibleByArgument, CustomStringConvertible {
    /// The host as given, without brackets; empty for every interface.
    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init?(argument: String) {
        guard let address = HostAndPort(argument), let port = address.port else { return nil }
        self.init(host: address.host, port: port)
    }

    /// The address as given (with brackets around an IPv6 host).
    var description: String {
        HostAndPort(host: host, port: port).description
    }

    /// The hosts to try binding, in order: every interface means IPv6 and IPv4 together (`::`),
    /// or IPv4 alone where IPv6 is disabled.
    var bindHosts: [String] {
        host.isEmpty ? ["::", "0.0.0.0"] : [host]
    }
}
