import Foundation
import Testing
@testable import SentryCore

@Suite("User names from a passwd file")
struct UserNamesTests {
    @Test("parses names; first entry per UID wins; skips comments and broken lines")
    func parsing() throws {
        let names = UserNames.parse(Array(try String(contentsOfFile: Fixtures.passwd, encoding: .utf8).utf8))
        #expect(names == [0: "root", 1: "daemon", 33: "www-data", 1000: "alice"])
    }

    @Test("unknown UIDs show as their number")
    func unknown() {
        var names = UserNames(path: Fixtures.passwd)
        #expect(names.refresh() == .reloaded)
        #expect(names.name(for: 33) == "www-data")
        #expect(names.name(for: 4242) == "4242")
    }

    @Test("re-reads only when the file changes")
    func refresh() throws {
        let tree = try FakeProc()
        var names = UserNames(path: tree.passwd)
        #expect(names.refresh() == .reloaded)
        #expect(names.refresh() == .unchanged)
        #expect(names.name(for: 1000) == "alice")
        try "root:x:0:0::/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/sh\nnew:x:2000:2000::/:/bin/sh\n".write(
            toFile: tree.passwd, atomically: true, encoding: .utf8)
        #expect(names.refresh() == .reloaded)
        #expect(names.name(for: 1000) == "bob")
        #expect(names.name(for: 2000) == "new")
    }

    @Test("a missing file fails the refresh but keeps the names known so far")
    func missing() throws {
        let tree = try FakeProc()
        var names = UserNames(path: tree.passwd)
        names.refresh()
        try FileManager.default.removeItem(atPath: tree.passwd)
        #expect(names.refresh() == .failed(.vanished))
        #expect(names.name(for: 1000) == "alice")
        var never = UserNames(path: "/nonexistent/passwd")
        #expect(never.refresh() == .failed(.vanished))
        #expect(never.name(for: 0) == "0")
    }
}
