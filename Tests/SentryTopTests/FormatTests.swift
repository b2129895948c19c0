import Testing
@testable import sentry_top

@Suite("Formatting numbers for the screen")
struct FormatTests {
    @Test("percent", arguments: [(nil, "n/a"), (0, "0.0"), (12.345, "12.3"), (99.94, "99.9"), (99.96, "100"), (250.4, "250")] as [(Double?, String)])
    func percent(value: Double?, expected: String) {
        #expect(Format.percent(value) == expected)
    }

    @Test("bytes in binary units", arguments: [
        (nil, "n/a"), (0, "0"), (512, "512B"), (1023, "1023B"), (1024, "1.0K"), (9.94 * 1024, "9.9K"), (10 * 1024, "10K"),
        (1_048_576, "1.0M"), (500 * 1_048_576, "500M"), (1023.4 * 1_048_576, "1023M"), (1024 * 1_048_576, "1.0G"),
    ] as [(Double?, String)])
    func bytes(value: Double?, expected: String) {
        #expect(Format.bytes(value) == expected)
    }

    @Test("list markers and durations")
    func markers() {
        #expect(Format.lists(.init(cpu: 1, io: 3)) == "C-I")
        #expect(Format.lists(.init()) == "---")
        #expect(Format.lists(.init(), isHeld: true) == "hld")
        #expect(Format.duration(seconds: 3 * 86_400 + 4 * 3600 + 5 * 60 + 6) == "3d 04:05:06")
        #expect(Format.duration(seconds: 59) == "00:00:59")
    }

    @Test("absurd values from an exporter: clamped or n/a, never a trap")
    func absurdValues() {
        #expect(Format.percent(1e300) == String(Int.max))
        #expect(Format.percent(.infinity) == "n/a")
        #expect(Format.percent(.nan) == "n/a")
        #expect(Format.bytes(1e300 as Double?) == String(Int.max) + "P")
        #expect(Format.bytes(-1 as Double?) == "n/a")
        #expect(Format.fixed(-1e300, fractionDigits: 1).hasPrefix("-"))
        #expect(Format.duration(seconds: 1e300) == "\(Int.max / 86_400)d 15:30:07")
        #expect(Format.duration(seconds: .nan) == "00:00:00")
    }
}
