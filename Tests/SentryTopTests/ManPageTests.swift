import Foundation
import Testing

@testable import sentry_top

/// The man page's KEYS section is written by hand; this keeps it in step with the key table.
@Suite("sentry-top(1)")
struct ManPageTests {
    @Test("names every key binding of the help screen")
    func everyKeyIsDocumented() throws {
        let page = try renderedManPage()
        for binding in KeyMap.bindings {
            let documented = page.contains(binding.keys)
            #expect(documented, "man/sentry-top.1 does not document \(binding.keys)")
        }
    }

    /// The page as `mandoc -Tascii` renders it, with runs of white space made single spaces.
    private func renderedManPage() throws -> String {
        let page = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("man/sentry-top.1")
        let mandoc = Process()
        mandoc.executableURL = URL(fileURLWithPath: "/usr/bin/mandoc")
        mandoc.arguments = ["-Tascii", page.path]
        let output = Pipe()
        mandoc.standardOutput = output
        try mandoc.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        mandoc.waitUntilExit()
        try #require(mandoc.terminationStatus == 0)
        // Drop overstrike (bold: "x\bx") and join wrapped lines.
        let text = String(decoding: data, as: UTF8.self).replacing(/.\x08/, with: "")
        return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
