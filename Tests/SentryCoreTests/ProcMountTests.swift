import Testing

@testable import SentryCore

@Suite("procfs mount options")
struct ProcMountTests {
    @Test("hidepid of the procfs at the mount point, whatever its spelling; nothing for other mounts")
    func hidePID() {
        let lines: [(String, String?)] = [
            ("63 43 0:39 / /tmp/hp rw,relatime - proc proc rw,hidepid=invisible\n", "invisible"),
            ("63 43 0:39 / /tmp/hp rw,relatime shared:5 - proc proc rw,nosuid,hidepid=2,gid=4\n", "2"),
            ("63 43 0:39 / /tmp/hp rw,relatime - proc proc rw,hidepid=0\n", ""),
            ("63 43 0:39 / /tmp/hp rw,relatime - proc proc rw\n", ""),
            ("63 43 0:39 / /tmp/other rw,relatime - proc proc rw,hidepid=2\n", nil),
            ("63 43 0:39 / /tmp/hp rw,relatime - tmpfs tmpfs rw,hidepid=2\n", nil),
            ("garbage\n", nil),
            ("", nil),
        ]
        for (line, expected) in lines {
            #expect(ProcMount.hidePID(inMountInfoLine: line, mountPoint: "/tmp/hp") == expected, "\(line)")
        }
    }
}
