import Glibc

/// User names by UID, from a passwd file parsed once and re-read only when the file changes.
///
/// The file is read directly rather than through `getpwuid`: in a container the host's
/// `/etc/passwd` is mounted somewhere else (`--path.passwd`), and NSS lookups per scan would
/// cost far more than one `stat` of the file.
public struct UserNames {
    /// Where the passwd file is.
    public let path: String

    private var names: [UInt32: String] = [:]
    /// Names made for UIDs the file does not list, kept so a scan does not rebuild them.
    private var numericNames: [UInt32: String] = [:]
    private var fileVersion: FileVersion?

    /// Creates a table for `path`; nothing is read until `refresh()`.
    public init(path: String = "/etc/passwd") {
        self.path = path
    }

    /// The user name for `uid`, or the number itself when the file does not list it.
    public mutating func name(for uid: UInt32) -> String {
        if let name = names[uid] { return name }
        if let name = numericNames[uid] { return name }
        let name = String(uid)
        numericNames[uid] = name
        return name
    }

    /// Re-reads the file if it changed since the last call (by inode, size or modification time).
    ///
    /// - Returns: `.unchanged`, `.reloaded`, or the failure if the file cannot be read (the
    ///   table then keeps what it had, so names do not flicker to numbers on a transient error).
    @discardableResult
    public mutating func refresh() -> RefreshResult {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failed(ReadFailure(errno: errno)) }
        let version = FileVersion(info)
        guard version != fileVersion else { return .unchanged }
        guard let contents = Self.readFile(path) else { return .failed(ReadFailure(errno: errno)) }
        names = Self.parse(contents)
        fileVersion = version
        return .reloaded
    }

    /// What `refresh()` did.
    public enum RefreshResult: Equatable, Sendable {
        case unchanged, reloaded
        case failed(ReadFailure)
    }

    /// Parses passwd(5) lines `name:password:uid:…`; the first entry for a UID wins, as with
    /// `getpwuid`. Blank, comment and malformed lines are skipped.
    public static func parse(_ contents: [UInt8]) -> [UInt32: String] {
        var names: [UInt32: String] = [:]
        for line in contents.split(separator: UInt8(ascii: "\n")) {
            guard line.first != UInt8(ascii: "#") else { continue }
            let fields = line.split(separator: UInt8(ascii: ":"), maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count >= 3, !fields[0].isEmpty, let uid = UInt32(decimalDigits: fields[2]) else { continue }
            if names[uid] == nil {
                names[uid] = String(decoding: fields[0], as: UTF8.self)
            }
        }
        return names
    }

    private static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                contents += chunk[..<n]
            } else if n == 0 {
                return contents
            } else if errno != EINTR {
                return nil
            }
        }
    }

    /// What identifies one version of a file without reading it.
    private struct FileVersion: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modifiedSeconds = info.st_mtim.tv_sec
            modifiedNanoseconds = info.st_mtim.tv_nsec
        }
    }
}

