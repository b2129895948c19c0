import Foundation
import Testing
import TestSupport

/// A private tmux server running one command in a single pane of a known size: a real
/// terminal for sentry-top, which tests read with `capture-pane` and type into with `send-keys`.
///
/// The server has its own socket (`-L`) and no configuration (`-f /dev/null`), so it never
/// touches a user's tmux. `close()` (in a `defer`) kills the server and everything in the pane.
final class TmuxSession: @unchecked Sendable {
    /// The `-L` socket name, unique to this session.
    let socketName: String
    /// The one pane, as a tmux target.
    private let target = "e2e:0.0"
    private let lock = NSLock()
    private var closed = false
    /// The server's socket file, which kill-server leaves behind.
    private var socketPath: String?

    /// Starts `argv` (executed directly, no shell in between) in a `width` × `height` pane with
    /// `TERM=xterm-256color` and a UTF-8 locale. Panes stay on screen after their command exits
    /// (`remain-on-exit`), so what a program left behind can still be read.
    init(_ argv: [String], width: Int = 100, height: Int = 30, environment: [String: String] = [:]) async throws {
        try Tools.require(Tools.tmux, hint: "install tmux (apt-get install tmux)")
        socketName = "proc-sentry-e2e-\(UUID().uuidString.prefix(8))"
        var locale = ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        locale.merge(environment) { $1 }
        // One invocation: the options are set before the pane's command can start (or exit).
        // default-terminal, not -e TERM: tmux sets TERM from it after applying -e.
        let arguments = [
            "start-server", ";",
            "set-option", "-g", "default-terminal", "xterm-256color", ";",
            "set-option", "-g", "remain-on-exit", "on", ";",
            "new-session", "-d", "-s", "e2e", "-x", String(width), "-y", String(height),
        ] + locale.sorted { $0.key < $1.key }.flatMap { ["-e", "\($0.key)=\($0.value)"] } + argv + [
            // A watchdog: should the test runner die without close(), the server (and the
            // program in it) goes too. kill-server ends the watchdog itself.
            ";", "run-shell", "-b",
            "while kill -0 \(ProcessInfo.processInfo.processIdentifier) 2>/dev/null; do sleep 1; done; "
                + "exec \(Tools.tmux) -L \(socketName) -f /dev/null kill-server",
        ]
        do {
            try await startServer(arguments)
            let path = try await format("#{socket_path}")
            lock.withLock { socketPath = path }
        } catch {
            close()
            throw error
        }
    }

    /// Runs the tmux client that forks the server, the way a shell would start it.
    ///
    /// Through a python3 `exec` that first unblocks every signal and closes every descriptor but
    /// stdin, stdout and stderr. The server inherits its client's signal mask, and the test
    /// runner's threads block most signals: such a server never sees SIGCHLD or SIGTERM. And
    /// Foundation's `Process` learns of a child's exit when a socket the child inherited closes:
    /// a daemon forked by the child keeps it open, and the client would never seem to exit.
    private func startServer(_ arguments: [String]) async throws {
        let launcher = """
            import os, signal, sys
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            os.closerange(3, os.sysconf('SC_OPEN_MAX'))
            os.execv(sys.argv[1], sys.argv[1:])
            """
        let result = try await runCommand(
            Tools.python3, ["-c", launcher, Tools.tmux, "-L", socketName, "-f", "/dev/null"] + arguments,
            timeout: .seconds(20))
        guard result.status == 0 else {
            throw HarnessError("starting tmux (\(arguments.joined(separator: " "))) failed: \(result.stderrText)")
        }
    }

    /// Runs one tmux command against this server, returning its standard output.
    @discardableResult
    func tmux(_ arguments: [String]) async throws -> String {
        let result = try await runCommand(
            Tools.tmux, ["-L", socketName, "-f", "/dev/null"] + arguments, timeout: .seconds(20))
        guard result.status == 0 else {
            throw HarnessError("tmux \(arguments.joined(separator: " ")) failed: \(result.stderrText)")
        }
        return result.stdoutText
    }

    /// The visible screen as text (trailing spaces trimmed by tmux), one entry per pane row.
    func capture() async throws -> Screen {
        Screen(try await tmux(["capture-pane", "-p", "-t", target]))
    }

    /// The visible screen with its attributes as SGR escape sequences (`capture-pane -e`).
    func captureWithAttributes() async throws -> String {
        try await tmux(["capture-pane", "-p", "-e", "-t", target])
    }

    /// The pane's history and screen: what scrolled off, then the visible rows.
    func captureWithHistory() async throws -> String {
        try await tmux(["capture-pane", "-p", "-S", "-", "-t", target])
    }

    /// Captures until `condition` returns a value, for up to `timeout`.
    func waitForScreen<T>(
        timeout: Duration = .seconds(30), _ what: @autoclosure () -> String, _ condition: (Screen) throws -> T?
    ) async throws -> T {
        var last = Screen("")
        do {
            return try await poll(timeout: timeout, interval: .milliseconds(100), what()) {
                last = try await capture()
                return try condition(last)
            }
        } catch {
            throw HarnessError("\(error); last screen:\n\(last.text)")
        }
    }

    /// Sends keys by tmux name (`q`, `Tab`, `BTab`, `Escape`, `Enter`, `2`, `<`).
    func press(_ keys: String...) async throws {
        try await tmux(["send-keys", "-t", target] + keys)
    }

    /// Types `text` literally, one character after another.
    func type(_ text: String) async throws {
        try await tmux(["send-keys", "-t", target, "-l", text])
    }

    /// Resizes the window (and so the pane, its only one); the program gets SIGWINCH.
    func resize(width: Int, height: Int) async throws {
        try await tmux(["resize-window", "-t", "e2e", "-x", String(width), "-y", String(height)])
    }

    /// A tmux format evaluated for the pane, e.g. `#{alternate_on}`.
    func format(_ format: String) async throws -> String {
        try await tmux(["display-message", "-p", "-t", target, format])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The PID of the pane's command.
    func panePID() async throws -> Int32 {
        let text = try await format("#{pane_pid}")
        guard let pid = Int32(text) else { throw HarnessError("no pane_pid: \(text.debugDescription)") }
        return pid
    }

    /// Kills the server and with it the pane's processes (SIGHUP). Idempotent.
    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tools.tmux)
        process.arguments = ["-L", socketName, "-f", "/dev/null", "kill-server"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return }
        process.waitUntilExit()
        if let socketPath { try? FileManager.default.removeItem(atPath: socketPath) }
    }
}
