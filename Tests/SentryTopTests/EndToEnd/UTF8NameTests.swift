import Foundation
import Testing
import TestSupport

/// Process names are bytes; sentry-top draws valid UTF-8 ones as the characters they are.
@Suite("sentry-top end to end: UTF-8 names", .timeLimit(.minutes(3)))
struct UTF8NameTests {
    @Test("a process named with wide UTF-8 characters shows them, and its row keeps the screen's width")
    func wideNameIsDrawn() async throws {
        let token = String(UUID().uuidString.prefix(4)).lowercased()
        let name = "u\(token)日本語"  // 14 bytes: within the kernel's 15-byte comm
        let holder = try await Workload.memoryHolder(mebibytes: 16, name: Array(name.utf8))
        defer { holder.kill() }
        let top = try await InteractiveTop.start(["-d", "0.5"], width: 100)
        defer { top.close() }

        try await top.tmux.press("/")
        try await top.tmux.type("u\(token)")
        let screen = try await top.waitForScreen("only the UTF-8 named row") { screen -> Screen? in
            screen.pids == [holder.pid] ? screen : nil
        }
        #expect(screen.processRows.first??.name == name, "\(screen)")
        let row = try #require(screen.text.split(separator: "\n").first { $0.contains(name) })
        // Each of the three characters takes two columns: the row is as wide as any other.
        let header = try #require(screen.text.split(separator: "\n").first { $0.contains("PID USER") })
        #expect(row.count + 3 <= 100 && header.count <= 100, "row: \(row)")
    }
}
