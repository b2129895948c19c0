import Foundation
import Testing
import TestSupport

/// Colour when the terminal has it; none with `--no-color` or `NO_COLOR` (https://no-color.org).
@Suite("sentry-top end to end: colour", .timeLimit(.minutes(3)))
struct ColourTests {
    @Test("xterm-256color gets colours; --no-color and NO_COLOR get none, only bold and reverse")
    func colourFollowsTheFlagAndTheEnvironment() async throws {
        #expect(try await colourParameters([]).isEmpty == false, "no colour on xterm-256color")
        for (arguments, environment) in [(["--no-color"], [:]), ([], ["NO_COLOR": "1"])] {
            let colours = try await colourParameters(arguments, environment: environment)
            #expect(colours.isEmpty, "\(arguments) \(environment): colours \(colours)")
        }
    }

    /// The SGR parameters that set a foreground or background colour on sentry-top's screen.
    private func colourParameters(_ arguments: [String], environment: [String: String] = [:]) async throws -> Set<Int> {
        let top = try await InteractiveTop.start(["-d", "0.5"] + arguments, environment: environment)
        defer { top.close() }
        // The header's bars are drawn once the first refresh has figures.
        _ = try await top.waitForScreen("the CPU bar with a percentage") { $0.text.contains("%]") ? true : nil }
        let screen = try await top.tmux.captureWithAttributes()
        var colours = Set<Int>()
        for sequence in screen.split(separator: "\u{1B}[").dropFirst() {
            guard let end = sequence.firstIndex(of: "m") else { continue }
            for parameter in sequence[..<end].split(separator: ";").compactMap({ Int($0) })
            where (30...48).contains(parameter) && parameter != 39 || (90...107).contains(parameter) {
                colours.insert(parameter)
            }
        }
        return colours
    }
}
