import Glibc

/// Why a file under the proc root could not be read.
///
/// Processes exit between being listed and being read, and another user's `io` or `fd` is not
/// readable without ptrace access: both are normal on a live system, so callers skip and count
/// them rather than fail the scan (node_exporter's `isIgnoredError` makes the same split).
public enum ReadFailure: Error, Sendable, Hashable {
    /// The process exited between being listed and being read (`ENOENT`, `ESRCH`).
    case vanished
    /// The file exists but this user may not read it (`EACCES`, `EPERM`).
    case permissionDenied
    /// The file was read but its contents did not have the expected shape.
    case malformed
    /// Any other `errno` from `open`, `read` or `readlink`.
    case failed(errno: Int32)

    /// Classifies an `errno` left by a failed system call.
    init(errno code: Int32) {
        switch code {
        case ENOENT, ESRCH, ENOTDIR: self = .vanished
        case EACCES, EPERM: self = .permissionDenied
        default: self = .failed(errno: code)
        }
    }
}
