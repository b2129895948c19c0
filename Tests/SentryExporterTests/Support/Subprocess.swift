import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A failure of the test harness itself (a child that never got ready, a tool that timed out).
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A directory under the system temp directory, unique to one test; `remove()` deletes it.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("proc-sentry-e2e-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var path: String { url.path }

    func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    /// Writes `text` to `relative`, creating intermediate directories.
    func write(_ relative: String, _ text: String) throws {
        try write(relative, bytes: Array(text.utf8))
    }

    func write(_ relative: String, bytes: [UInt8]) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Polls `condition` every `interval` until it returns a value or `timeout` passes.
func poll<T>(
    timeout: Duration, interval: Duration = .milliseconds(100), _ what: @autoclosure () -> String,
    _ condition: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await condition() { return value }
        guard ContinuousClock.now < deadline else {
            throw HarnessError("timed out after \(timeout) waiting for \(what())")
        }
        try await Task.sleep(for: interval)
    }
}

/// The environment children get: the test runner's, without `TOP_N` (which would change the
/// exporter's N), plus `extra`.
func childEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["TOP_N"] = nil
    environment.merge(extra) { $1 }
    return environment
}

/// A process started by a test, with stdout and stderr captured to files (no pipe can fill up
/// and block it). Call `kill()` in a `defer`: it is idempotent and synchronous.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let label: String
    private let directory: TemporaryDirectory
    private let stdoutPath: String
    private let stderrPath: String
    private let lock = NSLock()
    private var killed = false

    init(
        _ executable: String, _ arguments: [String], environment: [String: String] = childEnvironment(),
        stdin: Data? = nil, label: String
    ) throws {
        self.label = label
        directory = try TemporaryDirectory("child-\(label)")
        stdoutPath = directory.path("stdout")
        stderrPath = directory.path("stderr")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        if let stdin {
            let stdinPath = directory.path("stdin")
            try stdin.write(to: URL(fileURLWithPath: stdinPath))
            process.standardInput = FileHandle(forReadingAtPath: stdinPath)
        } else {
            process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        }
        do {
            try process.run()
        } catch {
            directory.remove()
            throw HarnessError("cannot start \(executable): \(error)")
        }
    }

    var pid: Int32 { process.processIdentifier }

    var stdout: Data { (try? Data(contentsOf: URL(fileURLWithPath: stdoutPath))) ?? Data() }
    var stderr: Data { (try? Data(contentsOf: URL(fileURLWithPath: stderrPath))) ?? Data() }
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    /// True once the process has exited, even before Foundation has reaped it (a zombie counts).
    var hasExited: Bool {
        guard process.isRunning else { return true }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        let state = stat[stat.index(after: close)...].dropFirst().first
        return state == "Z" || state == "X"
    }

    /// Sends `signal` if the process is still running.
    func send(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if !killed, process.isRunning { Glibc.kill(pid, signal) }
    }

    /// Waits until the process has exited and been reaped; false on timeout.
    @discardableResult
    func waitForExit(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// The exit status, or nil if the process is running or was killed by a signal.
    var exitStatus: Int32? {
        guard !process.isRunning, process.terminationReason == .exit else { return nil }
        return process.terminationStatus
    }

    /// SIGKILLs the process (if it is still running), waits for it and removes its files.
    func kill() {
        lock.lock()
        if !killed, process.isRunning { Glibc.kill(pid, SIGKILL) }
        killed = true
        lock.unlock()
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { usleep(5_000) }
        directory.remove()
    }
}

/// What a finished command did.
struct CommandResult {
    let status: Int32?
    let stdout: Data
    let stderr: Data
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs a command to completion (killing it after `timeout`).
func runCommand(
    _ executable: String, _ arguments: [String], environment: [String: String] = childEnvironment(),
    stdin: Data? = nil, timeout: Duration = .seconds(30)
) async throws -> CommandResult {
    let child = try ChildProcess(
        executable, arguments, environment: environment, stdin: stdin,
        label: URL(fileURLWithPath: executable).lastPathComponent)
    defer { child.kill() }
    guard await child.waitForExit(timeout: timeout) else {
        throw HarnessError("\(executable) \(arguments) did not finish within \(timeout); stderr: \(child.stderrText)")
    }
    return CommandResult(status: child.exitStatus, stdout: child.stdout, stderr: child.stderr)
}

/// Tools the tests drive.
enum Tools {
    static let curl = "/usr/bin/curl"
    static let gunzip = "/usr/bin/gunzip"
    static let promtool = "/usr/bin/promtool"
    static let prometheus = "/usr/bin/prometheus"

    /// python3 without a pyenv shim in between (the shim execs, so the PID is the same, but it is slow).
    static let python3: String = {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "python3"
    }()

    /// Fails the test with an installation hint if a tool is missing (never skips silently).
    static func require(_ path: String, hint: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: path), "\(path) is missing: \(hint)",
            sourceLocation: sourceLocation)
    }

    static func requirePrometheus(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try require(promtool, hint: "install prometheus (apt-get install prometheus)", sourceLocation: sourceLocation)
        try require(prometheus, hint: "install prometheus (apt-get install prometheus)", sourceLocation: sourceLocation)
    }
}

/// Runs `promtool check metrics` on an exposition. Parse errors (any exit other than 0 or 3)
/// fail the test; lint problems (exit 3) are printed and returned.
@discardableResult
func promtoolCheckMetrics(
    _ exposition: Data, context: String, sourceLocation: SourceLocation = #_sourceLocation
) async throws -> [String] {
    try Tools.requirePrometheus(sourceLocation: sourceLocation)
    let result = try await runCommand(Tools.promtool, ["check", "metrics"], stdin: exposition)
    let output = (result.stdoutText + result.stderrText).split(separator: "\n").map(String.init)
    switch result.status {
    case 0:
        #expect(output.isEmpty, "promtool printed output but exited 0 (\(context)): \(output)", sourceLocation: sourceLocation)
        return []
    case 3:
        // Lint problems only (promtool's lintErrExitCode): not format errors.
        let errors = output.filter { $0.contains("error") }
        #expect(errors.isEmpty, "promtool (\(context)): \(errors)", sourceLocation: sourceLocation)
        for line in output { print("promtool lint warning (\(context)): \(line)") }
        return output
    default:
        Issue.record(
            "promtool check metrics failed (\(context)), exit \(result.status.map(String.init) ?? "signal"): \(output.joined(separator: "\n"))",
            sourceLocation: sourceLocation)
        return output
    }
}
