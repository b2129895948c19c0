import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Starting and leaving the interface: the terminal must end exactly as the shell had it.
@Suite("sentry-top end to end: terminal lifecycle", .timeLimit(.minutes(3)))
struct TerminalLifecycleTests {
    @Test("q quits with status 0 and gives the shell its screen, cursor, keypad and mouse back")
    func quitRestoresTheTerminal() async throws {
        let top = try await InteractiveTop.start(["-d", "0.5"])
        defer { top.close() }
        // While it runs, the modes are changed: otherwise the checks after quitting prove nothing.
        let running = try await TerminalModes.read(top.tmux)
        #expect(running.alternateScreen && !running.cursorVisible && running.mouse, "while running: \(running)")

        try await top.tmux.press("q")
        #expect(try await top.waitForExitStatus() == 0)
        try await expectShellScreenRestored(top)
    }

    @Test("SIGTERM ends it (status 143, killed by the signal) with the terminal restored")
    func sigtermRestoresTheTerminal() async throws {
        let top = try await InteractiveTop.start(["-d", "0.5"])
        defer { top.close() }
        #expect(try await TerminalModes.read(top.tmux).alternateScreen)

        #expect(kill(top.pid, SIGTERM) == 0)
        #expect(try await top.waitForExitStatus() == 128 + Int(SIGTERM))
        #expect(!top.isRunning)
        try await expectShellScreenRestored(top)
    }

    @Test("Standard output not a terminal: exits non-zero at once, pointing to --batch, drawing nothing")
    func refusesToDrawWithoutATerminal() async throws {
        let result = try await SentryTopBinary.run(["-d", "0.5"], timeout: .seconds(20))
        #expect(result.status != nil && result.status != 0, "exit status \(String(describing: result.status))")
        #expect(result.stderrText.contains("--batch"), "stderr: \(result.stderrText)")
        // No curses initialisation reached the file (it would hold escape sequences).
        #expect(result.stdout.isEmpty, "stdout: \(result.stdoutText.debugDescription)")
    }

    /// After sentry-top ended: the shell's main screen (its banner and the exit status, none of
    /// the interface) and the terminal's normal modes.
    private func expectShellScreenRestored(_ top: InteractiveTop, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let screen = try await top.tmux.capture()
        #expect(screen.text.contains(InteractiveTop.banner), "shell screen not restored:\n\(screen)", sourceLocation: sourceLocation)
        #expect(screen.text.contains("EXITED="), "\(screen)", sourceLocation: sourceLocation)
        #expect(screen.processHeaderIndex == nil && !screen.text.contains("Quit"), "interface left on screen:\n\(screen)",
                sourceLocation: sourceLocation)
        let modes = try await TerminalModes.read(top.tmux)
        #expect(modes == .normal, "after exit: \(modes)", sourceLocation: sourceLocation)
    }
}
