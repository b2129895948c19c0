import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The built `sentry-top`.
enum SentryTopBinary {
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try BuiltProducts.require("sentry-top", sourceLocation: sourceLocation)
    }

    /// Runs it to completion with stdin from /dev/null and stdout and stderr to files (not a terminal).
    static func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> CommandResult {
        try await runCommand(try require(), arguments, timeout: timeout)
    }
}

/// sentry-top running interactively in a tmux pane, as a user starts it from a shell.
///
/// The pane runs `sh -c 'echo <banner>; sentry-top …; echo EXITED=$?; exec sleep 120'`: after
/// sentry-top ends, the shell's own screen must be back (the banner, then the exit status), and
/// the pane stays alive so tmux still reports the terminal's modes (cursor, keypad, mouse).
final class InteractiveTop: @unchecked Sendable {
    let tmux: TmuxSession
    /// sentry-top's PID (a child of the pane's shell).
    let pid: Int32
    /// What the shell printed before starting sentry-top.
    static let banner = "proc-sentry e2e shell"

    private init(tmux: TmuxSession, pid: Int32) {
        self.tmux = tmux
        self.pid = pid
    }

    /// Starts sentry-top with `arguments` (and `environment` added to the shell's) and waits for
    /// its first frame with a process table (drawn even before there are rows).
    ///
    /// `NO_COLOR` is removed first: the test runner may have it (SwiftPM sets it when its output
    /// is not a terminal), and only the tests that are about it should pass it on.
    static func start(
        _ arguments: [String], environment: [String: String] = [:], width: Int = 100, height: Int = 30,
        firstFrame: @escaping (Screen) -> Bool = { $0.processHeaderIndex != nil }
    ) async throws -> InteractiveTop {
        let binary = try SentryTopBinary.require()
        let variables = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let command = (["env", "-u", "NO_COLOR"] + variables + [binary] + arguments)
            .map(shellQuoted).joined(separator: " ")
        let script = "echo \(shellQuoted(banner)); \(command); echo EXITED=$?; exec sleep 120"
        let tmux = try await TmuxSession(["/bin/sh", "-c", script], width: width, height: height)
        do {
            let shell = try await tmux.panePID()
            let pid = try await poll(timeout: .seconds(30), interval: .milliseconds(20), "sentry-top to start under \(shell)") {
                childPIDs(of: shell).first
            }
            let top = InteractiveTop(tmux: tmux, pid: pid)
            _ = try await tmux.waitForScreen(timeout: .seconds(60), "sentry-top's first frame") { screen in
                if screen.text.contains("EXITED=") { throw HarnessError("sentry-top exited at once:\n\(screen)") }
                return firstFrame(screen) ? true : nil
            }
            return top
        } catch {
            tmux.close()
            throw error
        }
    }

    /// Captures until `condition` holds.
    func waitForScreen<T>(
        timeout: Duration = .seconds(30), _ what: @autoclosure () -> String, _ condition: (Screen) throws -> T?
    ) async throws -> T {
        try await tmux.waitForScreen(timeout: timeout, what(), condition)
    }

    /// Waits for the shell to report sentry-top's exit status, and returns it.
    func waitForExitStatus(timeout: Duration = .seconds(30)) async throws -> Int {
        var last = ""
        do {
            return try await poll(timeout: timeout, interval: .milliseconds(100), "EXITED=<status> from the shell") {
                last = try await tmux.captureWithHistory()
                guard let range = last.range(of: "EXITED=") else { return nil }
                return Int(last[range.upperBound...].prefix { $0.isNumber })
            }
        } catch {
            throw HarnessError("\(error); last screen:\n\(last)")
        }
    }

    /// Whether the process is still running (not exited, not a zombie).
    var isRunning: Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].dropFirst().first
        return state != "Z" && state != "X"
    }

    /// Kills the tmux server, sentry-top with it (SIGHUP). Idempotent.
    func close() {
        tmux.close()
        // A sentry-top that ignored the hangup must not outlive the test.
        if isRunning { kill(pid, SIGKILL) }
    }

    /// The children of `pid`, from the kernel's list for its main thread.
    static func childPIDs(of pid: Int32) -> [Int32] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// `text` as one word for sh.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// What tmux says about the terminal modes a full-screen program changes and must give back.
struct TerminalModes: Equatable, CustomStringConvertible {
    /// In the alternate screen (curses' `smcup`).
    var alternateScreen: Bool
    /// Cursor visible (curses hides it with `curs_set(0)`).
    var cursorVisible: Bool
    /// Application cursor keys (`keypad(TRUE)`).
    var keypadCursor: Bool
    /// Any mouse reporting (`mousemask`).
    var mouse: Bool

    static func read(_ tmux: TmuxSession) async throws -> TerminalModes {
        let flags = try await tmux.format("#{alternate_on} #{cursor_flag} #{keypad_cursor_flag} #{mouse_any_flag}")
            .split(separator: " ").map { $0 == "1" }
        guard flags.count == 4 else { throw HarnessError("unexpected tmux flags: \(flags)") }
        return TerminalModes(alternateScreen: flags[0], cursorVisible: flags[1], keypadCursor: flags[2], mouse: flags[3])
    }

    /// A shell's terminal: main screen, visible cursor, no keypad or mouse mode.
    static let normal = TerminalModes(alternateScreen: false, cursorVisible: true, keypadCursor: false, mouse: false)

    var description: String {
        "alternate screen \(alternateScreen), cursor visible \(cursorVisible), keypad \(keypadCursor), mouse \(mouse)"
    }
}
