import CLinux
import Glibc

/// A proc filesystem mounted at `root`, read with raw `openat`/`read`/`close` into one reused buffer.
///
/// Every path the collector reads is relative to `root`, so tests point it at a fixture tree
/// and containers at the host's `/proc` mounted elsewhere (`--path.procfs`). No other type
/// spells out `/proc`. The cgroup filesystem renders its files the same way, and
/// `ContainerCPUAccounting` reads it through an instance rooted there.
///
/// An instance is confined to one thread: its buffer is shared by consecutive reads.
public final class ProcFS {
    /// Where Linux mounts procfs.
    public static let defaultRoot = "/proc"

    /// The directory this instance reads, as given.
    public let root: String

    /// Whether the root is a mounted proc filesystem (its `statfs` type is `PROC_SUPER_MAGIC`),
    /// not a copy (a fixture tree, a saved snapshot), whose files may be replaced under an open
    /// descriptor rather than rendered afresh on each read, and whose directory owners and
    /// `self` link say nothing about this process.
    public let isLive: Bool

    /// This process's PID as a live root shows it (its `self` link); nil for a copy, or a live
    /// procfs of another PID namespace, where this process has no entry.
    public let selfPID: Int32?

    /// Whether the owner of a `<pid>` directory is that process's effective UID: on a live
    /// procfs since Linux 4.11, which stopped making the directory of a non-dumpable process
    /// root-owned (only the files inside are). Elsewhere the UID is in `status`.
    public let directoryOwnerIsEffectiveUID: Bool

    private let rootFD: Int32
    private let listing: OpaquePointer
    private var buffer: UnsafeMutableRawBufferPointer

    /// Largest file read; guards against a runaway file (a `net/tcp` of a huge host fits well below).
    private static let maximumFileSize = 256 << 20

    /// Opens `root`; fails if it is not a readable directory.
    public init(root: String = ProcFS.defaultRoot) throws(ReadFailure) {
        self.root = root
        let fd = Glibc.open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadFailure(errno: errno) }
        // fdopendir takes ownership of its descriptor; keep a separate one for openat.
        let listingFD = dup(fd)
        guard listingFD >= 0, let dir = fdopendir(listingFD) else {
            let code = errno
            close(fd)
            throw ReadFailure(errno: code)
        }
        isLive = Self.isProcFilesystem(fd)
        selfPID = isLive ? Self.selfPID(root: fd) : nil
        directoryOwnerIsEffectiveUID = isLive && Self.kernelRelease() >= (4, 11)
        rootFD = fd
        listing = dir
        buffer = .allocate(byteCount: 16 << 10, alignment: 8)
    }

    deinit {
        closedir(listing)
        close(rootFD)
        buffer.deallocate()
    }

    // MARK: - Files

    /// How the kernel hands out a file's content, which decides when a read has all of it.
    public enum FileShape: Sendable {
        /// One record (a process's `stat`, `statm`, `io`, `status` or `cgroup`, a single-record
        /// seq_file): the kernel renders all of it into a buffer of its own and copies as much as
        /// a read asks for, so a read that does not fill the buffer has returned everything. Not
        /// reading again to see end of file saves a third of the system calls of a scan.
        case oneRecord
        /// Many records (`net/tcp`), handed out a page at a time, or a file rendered otherwise
        /// (`cmdline`, from the process's memory): read until a read returns nothing.
        case records
    }

    /// Reads a whole file and hands its bytes to `body`, returning what `body` returns.
    ///
    /// The bytes are this instance's one buffer, which the next read reuses: they are valid only
    /// inside `body`, which parses them or copies what must outlive it. /proc files report a
    /// size of 0 or 4096 whatever their content, so this reads until it has all of it (see
    /// `FileShape`), growing the buffer as needed (it is kept for the next read).
    func read<Value>(
        _ path: ProcPath, shape: FileShape = .records, _ body: (UnsafeRawBufferPointer) -> Value
    ) throws(ReadFailure) -> Value {
        let fd = try open(path)
        defer { close(fd) }
        return try read(descriptor: fd, shape: shape, body)
    }

    /// Opens a file for `read(descriptor:)`; the caller closes it.
    func open(_ path: ProcPath) throws(ReadFailure) -> Int32 {
        try Self.checked(path.withCString { openat(rootFD, $0, Self.openFlags) })
    }

    /// Reads a whole file at `path` relative to the root, a path of any length (the directory of
    /// a cgroup, say), as `read(_:shape:_:)` does.
    public func read<Value>(
        relativePath path: String, shape: FileShape = .records, _ body: (UnsafeRawBufferPointer) -> Value
    ) throws(ReadFailure) -> Value {
        let fd = try Self.checked(path.withCString { openat(rootFD, $0, Self.openFlags) })
        defer { close(fd) }
        return try read(descriptor: fd, shape: shape, body)
    }

    private static let openFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY

    /// `fd`, or the failure `errno` names if it is negative.
    private static func checked(_ fd: Int32) throws(ReadFailure) -> Int32 {
        guard fd >= 0 else { throw ReadFailure(errno: errno) }
        return fd
    }

    /// Reads a whole file through an open descriptor, from its start whatever was read before,
    /// and hands its bytes to `body` as `read(_:shape:_:)` does.
    ///
    /// /proc files render afresh on each read from offset 0, so a descriptor kept open across
    /// scans and read with `pread` sees current values, without the path lookup, permission
    /// check and allocation of an `open` each time. Once the process exits, reads fail with
    /// `ESRCH` (`.vanished`), even if its PID is reused: the descriptor stays with the old process.
    func read<Value>(
        descriptor fd: Int32, shape: FileShape = .records, _ body: (UnsafeRawBufferPointer) -> Value
    ) throws(ReadFailure) -> Value {
        var length = 0
        while true {
            if length == buffer.count {
                guard buffer.count < Self.maximumFileSize else { throw .malformed }
                grow()
            }
            let n = pread(fd, buffer.baseAddress! + length, buffer.count - length, off_t(length))
            if n > 0 {
                length += n
                if shape == .oneRecord, length < buffer.count { break }
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw ReadFailure(errno: errno)
            }
        }
        return body(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
    }

    /// Reads `<pid>/<file>`, or `<file>` at the root when `pid` is nil, as `read(_:shape:_:)` does.
    public func read<Value>(
        pid: Int32?, _ file: StaticString, shape: FileShape = .records, _ body: (UnsafeRawBufferPointer) -> Value
    ) throws(ReadFailure) -> Value {
        try read(ProcPath(pid: pid, file), shape: shape, body)
    }

    /// Reads the target of a symbolic link such as `<pid>/fd/3` or `<pid>/ns/net` and hands it
    /// to `body`, as `read(_:shape:_:)` does.
    func readLink<Value>(_ path: ProcPath, _ body: (UnsafeRawBufferPointer) -> Value) throws(ReadFailure) -> Value {
        let n = path.withCString { readlinkat(rootFD, $0, buffer.baseAddress!, buffer.count) }
        guard n >= 0 else { throw ReadFailure(errno: errno) }
        return body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }

    /// The owner of the directory `<pid>`: the process's effective UID.
    ///
    /// Since Linux 4.11 the directory itself is owned by the effective UID even for
    /// non-dumpable processes (only the files inside turn root-owned), so one `fstatat` tells
    /// whether the UID changed, at a tenth of the cost of rendering `status`.
    public func directoryOwner(pid: Int32) throws(ReadFailure) -> UInt32 {
        var info = stat()
        let result = ProcPath(pid: pid, "").withCString { fstatat(rootFD, $0, &info, 0) }
        guard result == 0 else { throw ReadFailure(errno: errno) }
        return info.st_uid
    }

    /// The running kernel's major and minor version, (0, 0) if unknown.
    private static func kernelRelease() -> (Int, Int) {
        var names = utsname()
        guard uname(&names) == 0 else { return (0, 0) }
        let release = withUnsafeBytes(of: &names.release) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : (0, 0)
    }

    private static func isProcFilesystem(_ fd: Int32) -> Bool {
        var status = statfs()
        return fstatfs(fd, &status) == 0 && status.f_type == PROC_SUPER_MAGIC
    }

    private static func selfPID(root: Int32) -> Int32? {
        withUnsafeTemporaryAllocation(byteCount: 16, alignment: 1) { bytes -> Int32? in
            let n = readlinkat(root, "self", bytes.baseAddress!, bytes.count)
            guard n > 0, n < bytes.count else { return nil }
            var cursor = ByteCursor(UnsafeRawBufferPointer(rebasing: bytes[0..<n]))
            guard let pid = cursor.readDecimal(), cursor.isAtEnd else { return nil }
            return Int32(exactly: pid)
        }
    }

    private func grow() {
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 8)
        larger.copyMemory(from: UnsafeRawBufferPointer(buffer))
        buffer.deallocate()
        buffer = larger
    }

    // MARK: - Directories

    /// Replaces `pids` with the numeric entries of the root, in directory order.
    ///
    /// The directory stream is rewound rather than reopened, so listing allocates nothing once
    /// `pids` has grown to the process count.
    public func listProcesses(into pids: inout [Int32]) {
        pids.removeAll(keepingCapacity: true)
        rewinddir(listing)
        while let entry = readdir(listing) {
            if let pid = Self.processID(entry) { pids.append(pid) }
        }
    }

    /// Calls `body` with the numeric entries of the directory `<pid>/<subdirectory>` (such as the
    /// descriptors in `fd`).
    public func forEachNumericEntry(
        pid: Int32, _ subdirectory: StaticString, _ body: (Int32) -> Void
    ) throws(ReadFailure) {
        let fd = ProcPath(pid: pid, subdirectory).withCString {
            openat(rootFD, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard fd >= 0 else { throw ReadFailure(errno: errno) }
        guard let dir = fdopendir(fd) else {
            let code = errno
            close(fd)
            throw ReadFailure(errno: code)
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            if let number = Self.processID(entry) { body(number) }
        }
    }

    /// The entry's name as a positive decimal number, or nil for `self`, `.`, `sys` and the like.
    private static func processID(_ entry: UnsafeMutablePointer<dirent>) -> Int32? {
        withUnsafeBytes(of: &entry.pointee.d_name) { name in
            Int32(decimalDigits: name.prefix { $0 != 0 }).flatMap { $0 > 0 ? $0 : nil }
        }
    }
}
