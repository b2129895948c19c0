import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A failure of the test harness itself (a child that never got ready, a tool that timed out).
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A directory under the system temp directory, unique to one test; `remove()` deletes it.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("proc-sentry-e2e-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    public func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    /// Writes `text` to `relative`, creating intermediate directories.
    public func write(_ relative: String, _ text: String) throws {
        try write(relative, bytes: Array(text.utf8))
    }

    public func write(_ relative: String, bytes: [UInt8]) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Polls `condition` every `interval` until it returns a value or `timeout` passes.
public func poll<T>(
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
public func childEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["TOP_N"] = nil
    environment.merge(extra) { $1 }
    return environment
}

/// A process started by a test, with stdout and stderr captured to files (no pipe can fill up
/// and block it). Call `kill()` in a `defer`: it is idempotent and synchronous.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    public let label: String
    private let directory: TemporaryDirectory
    private let stdoutPath: String
    private let stderrPath: String
    private let lock = NSLock()
    private var killed = false

    public init(
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
        let stdoutHandle = FileHandle(forWritingAtPath: stdoutPath)
        let stderrHandle = FileHandle(forWritingAtPath: stderrPath)
        let stdinHandle: FileHandle?
        if let stdin {
            let stdinPath = directory.path("stdin")
            try stdin.write(to: URL(fileURLWithPath: stdinPath))
            stdinHandle = FileHandle(forReadingAtPath: stdinPath)
        } else {
            stdinHandle = FileHandle(forReadingAtPath: "/dev/null")
        }
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        process.standardInput = stdinHandle
        // The child has its own copies once started; the test runner's would stay open as long
        // as Foundation keeps the Process, and past descriptor 1024 Process.run itself crashes
        // (a memcpy out of bounds), so they are closed here, whatever happens.
        defer { for handle in [stdoutHandle, stderrHandle, stdinHandle] { try? handle?.close() } }
        do {
            try process.run()
        } catch {
            directory.remove()
            throw HarnessError("cannot start \(executable): \(error)")
        }
    }

    public var pid: Int32 { process.processIdentifier }

    public var stdout: Data { (try? Data(contentsOf: URL(fileURLWithPath: stdoutPath))) ?? Data() }
    public var stderr: Data { (try? Data(contentsOf: URL(fileURLWithPath: stderrPath))) ?? Data() }
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    /// True once the process has exited, even before Foundation has reaped it (a zombie counts).
    ///
    /// `stat` is read as bytes: a child may name itself with bytes that are not UTF-8.
    public var hasExited: Bool {
        guard process.isRunning else { return true }
        guard let stat = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/stat")),
            let close = stat.lastIndex(of: UInt8(ascii: ")"))
        else { return true }
        let state = stat[stat.index(after: close)...].dropFirst().first
        return state == UInt8(ascii: "Z") || state == UInt8(ascii: "X")
    }

    /// Sends `signal` if the process is still running.
    public func send(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if !killed, process.isRunning { Glibc.kill(pid, signal) }
    }

    /// Waits until the process has exited and been reaped; false on timeout.
    @discardableResult
    public func waitForExit(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// The exit status, or nil if the process is running or was killed by a signal.
    public var exitStatus: Int32? {
        guard !process.isRunning, process.terminationReason == .exit else { return nil }
        return process.terminationStatus
    }

    /// SIGKILLs the process (if it is still running), waits for it and removes its files.
    public func kill() {
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
public struct CommandResult {
    public let status: Int32?
    public let stdout: Data
    public let stderr: Data
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs a command to completion (killing it after `timeout`).
public func runCommand(
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
public enum Tools {
    public static let curl = "/usr/bin/curl"
    public static let gunzip = "/usr/bin/gunzip"
    public static let promtool = "/usr/bin/promtool"
    public static let prometheus = "/usr/bin/prometheus"
    public static let tmux = "/usr/bin/tmux"
    public static let openssl = "/usr/bin/openssl"
    public static let htpasswd = "/usr/bin/htpasswd"

    /// python3 without a pyenv shim in between (the shim execs, so the PID is the same, but it is slow).
    public static let python3: String = {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "python3"
    }()

    /// Fails the test with an installation hint if a tool is missing (never skips silently).
    public static func require(_ path: String, hint: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: path), "\(path) is missing: \(hint)",
            sourceLocation: sourceLocation)
    }
}
