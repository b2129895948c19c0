/// `/proc/<pid>/io`: bytes the process caused to be fetched from or sent to storage, see proc_pid_io(5).
///
/// These are `read_bytes`/`write_bytes`, the storage layer's view; `rchar`/`wchar` would also
/// count reads served from the page cache and writes to pipes and sockets. Reading another
/// user's `io` (mode 0400) needs root, or `CAP_DAC_READ_SEARCH` with `CAP_SYS_PTRACE`.
public struct ProcessIO: Equatable, Sendable {
    /// Bytes read from storage since the process started.
    public var readBytes: UInt64
    /// Bytes written to storage since the process started (including ones later cancelled by truncation).
    public var writeBytes: UInt64

    public init(readBytes: UInt64, writeBytes: UInt64) {
        self.readBytes = readBytes
        self.writeBytes = writeBytes
    }

    /// Parses the file; nil unless both `read_bytes:` and `write_bytes:` are present.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ProcessIO? {
        var readBytes: UInt64?
        var writeBytes: UInt64?
        var cursor = ByteCursor(bytes)
        while !cursor.isAtEnd {
            if cursor.consume("read_bytes:") {
                readBytes = cursor.readDecimal()
            } else if cursor.consume("write_bytes:") {
                writeBytes = cursor.readDecimal()
            }
            cursor.skipLine()
        }
        guard let readBytes, let writeBytes else { return nil }
        return ProcessIO(readBytes: readBytes, writeBytes: writeBytes)
    }
}
