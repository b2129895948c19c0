import Testing
@testable import SentryCore

@Suite("/proc/<pid>/net/{tcp,tcp6,udp,udp6}")
struct SocketTableTests {
    private func listening(_ text: String, _ kind: SocketTable.Kind) -> [UInt64: UInt16] {
        var found: [UInt64: UInt16] = [:]
        Array(text.utf8).withUnsafeBytes { bytes in
            SocketTable.forEachListeningSocket(in: bytes, kind: kind) { found[$0] = $1 }
        }
        return found
    }

    @Test("TCP: only LISTEN rows, by local port")
    func tcp() {
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1518 1 0000000093adffca 100 0 0 10 0
               1: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000    33        0 30004 1 0000000000000000 20 4 30 10 -1
               2: 0100007F:1F90 0100007F:D431 06 00000000:00000000 03:00000F9A 00000000     0        0 0 3 0000000000000000

            """
        #expect(listening(table, .tcp) == [1518: 2024])
    }

    @Test("TCP6: the port follows the 32-digit address")
    func tcp6() {
        let table = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 30002 1 0000000000000000 100 0 0 10 0

            """
        #expect(listening(table, .tcp6) == [30002: 443])
    }

    @Test("UDP: bound, unconnected sockets (state 07), not connected ones")
    func udp() {
        let table = """
               sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
              100: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000    33        0 30003 2 0000000000000000 0
              101: 0100007F:E1A4 0100007F:0035 01 00000000:00000000 00:00000000 00000000    33        0 30006 2 0000000000000000 0

            """
        #expect(listening(table, .udp) == [30003: 53])
        #expect(listening(table, .tcp) == [:])  // 07 is not LISTEN for TCP
    }

    @Test("header only, empty, and broken rows yield nothing", arguments: [
        "", "  sl  local_address\n", "  sl\n   0: zz:zz 00:00 0A\n", "  sl\n   0: 00000000:0000 00000000:0000 0A 0:0 0:0 0 0 0 77\n",
    ])
    func broken(text: String) {
        #expect(listening(text, .tcp).isEmpty)
    }
}
