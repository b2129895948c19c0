import Testing

@testable import SentryCore

@Suite("host:port and decimal digits")
struct HostAndPortTests {
    @Test("host:port, [IPv6]:port, a host alone, a port alone")
    func accepted() {
        #expect(HostAndPort("127.0.0.1:9105") == HostAndPort(host: "127.0.0.1", port: 9105))
        #expect(HostAndPort("[::1]:9105") == HostAndPort(host: "::1", port: 9105))
        #expect(HostAndPort("[fe80::1]") == HostAndPort(host: "fe80::1", port: nil))
        #expect(HostAndPort(":9105") == HostAndPort(host: "", port: 9105))
        #expect(HostAndPort("prometheus") == HostAndPort(host: "prometheus", port: nil))
        #expect(HostAndPort("localhost:0") == HostAndPort(host: "localhost", port: 0))
        #expect(HostAndPort(host: "::1", port: 80).description == "[::1]:80")
        #expect(HostAndPort(host: "node", port: nil).description == "node")
    }

    @Test("unmatched brackets, a bare IPv6 host, a bad or out-of-range port", arguments: [
        "[::1:9105", "[]:9105", "::1:9105", "[::1]9105", "host:", "host:+80", "host:-1", "host:65536", "host:9x",
    ])
    func refused(text: String) {
        #expect(HostAndPort(text) == nil)
    }

    @Test("decimal digits: nothing but digits, within the type")
    func decimalDigits() {
        #expect(UInt32(decimalDigits: "4294967295".utf8) == UInt32.max)
        #expect(UInt32(decimalDigits: "4294967296".utf8) == nil)
        #expect(Int32(decimalDigits: "0042".utf8) == 42)
        for bad in ["", " 1", "1 ", "-1", "+1", "1a"] { #expect(Int(decimalDigits: bad.utf8) == nil, "\(bad)") }
    }
}
