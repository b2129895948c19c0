import Testing
@testable import SentryCore

@Suite("ProcessCommandLine")
struct ProcessCommandLineTests {
    private func parse(_ bytes: [UInt8], maximumBytes: Int = .max) -> String {
        bytes.withUnsafeBytes { ProcessCommandLine.parse($0, maximumBytes: maximumBytes) }
    }

    @Test("arguments are joined by spaces; trailing NULs and spaces go")
    func joins() {
        #expect(parse(Array("sleep\u{0}60\u{0}".utf8)) == "sleep 60")
        #expect(parse(Array("a b\u{0}\u{0}c \u{0}\u{0}".utf8)) == "a b  c")
        #expect(parse(Array("nginx: worker process     ".utf8)) == "nginx: worker process")
    }

    @Test("kernel threads and zombies have an empty command line")
    func empty() {
        #expect(parse([]) == "")
        #expect(parse([0, 0]) == "")
    }

    @Test("bytes that are not UTF-8 become U+FFFD; quotes, newlines and backslashes are kept for the writer to escape")
    func hostileBytes() {
        #expect(parse([0x78, 0xFF, 0x00, 0xC3]) == "x\u{FFFD} \u{FFFD}")
        #expect(parse(Array("a\"b\\c\nd}{".utf8)) == "a\"b\\c\nd}{")
    }

    @Test("a long command line is cut at a character boundary and marked with an ellipsis")
    func truncates() {
        #expect(parse(Array("abcdef".utf8), maximumBytes: 4) == "abcd…")
        #expect(parse(Array("abcdef".utf8), maximumBytes: 6) == "abcdef")
        // "€" is 3 bytes (E2 82 AC): a cut after 1 or 2 of them keeps none.
        #expect(parse(Array("ab€".utf8), maximumBytes: 3) == "ab…")
        #expect(parse(Array("ab€".utf8), maximumBytes: 4) == "ab…")
        #expect(parse(Array("ab€c".utf8), maximumBytes: 5) == "ab€…")
        // Four bytes that are not UTF-8 become 12 bytes of U+FFFD: the limit holds for those too.
        #expect(parse([0xFF, 0xFF, 0xFF, 0xFF], maximumBytes: 4) == "\u{FFFD}…")
        #expect(parse([0x61, 0xFF, 0xFF], maximumBytes: 3) == "a…")
    }
}
