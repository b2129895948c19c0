/// A path relative to the proc root, built in fixed inline storage so that opening
/// `<pid>/stat` for thousands of processes per scan allocates nothing.
struct ProcPath {
    /// Longest relative path the collector builds (`<pid>/fd/<fd>` and `<pid>/net/tcp6` fit easily).
    static let capacity = 64

    private var bytes = InlineArray<64, CChar>(repeating: 0)
    private var count = 0

    init() {}

    /// `<pid>/<suffix>`, or just `<suffix>` for files at the root such as `stat`.
    init(pid: Int32?, _ suffix: StaticString) {
        if let pid {
            append(pid)
            append("/")
        }
        append(suffix)
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { utf8 in
            for byte in utf8 { appendByte(CChar(bitPattern: byte)) }
        }
    }

    mutating func append(_ number: some BinaryInteger) {
        var digits = InlineArray<20, CChar>(repeating: 0)
        var value = number
        var length = 0
        repeat {
            digits[length] = CChar(UInt8(ascii: "0") + UInt8(value % 10))
            value /= 10
            length += 1
        } while value > 0 && length < 20
        while length > 0 {
            length -= 1
            appendByte(digits[length])
        }
    }

    private mutating func appendByte(_ byte: CChar) {
        precondition(count < Self.capacity - 1, "ProcPath overflow")
        bytes[count] = byte
        count += 1
        bytes[count] = 0
    }

    /// Calls `body` with the path as a NUL-terminated C string.
    func withCString<Result>(_ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        try bytes.span.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
