/// A process's command name (`comm`) as the raw bytes the kernel reports, held inline.
///
/// `comm` is at most 15 bytes, but workqueue threads report longer names
/// (`kworker/u8:1-events_unbound`), so the kernel's 64-byte buffer is the bound. Keeping the bytes
/// inline lets a scan compare a process's name with the previous scan's without allocating, and
/// decode it to a `String` only when it changes.
public struct ProcessName: Equatable, Sendable {
    /// The kernel's `proc_task_name` buffer size.
    static let capacity = 64

    private var storage = InlineArray<64, UInt8>(repeating: 0)
    /// Number of bytes in use.
    public private(set) var count = 0

    public init() {}

    /// The name's bytes, truncated to the kernel's bound.
    public init(_ bytes: some Collection<UInt8>) {
        for byte in bytes.prefix(Self.capacity) {
            storage[count] = byte
            count += 1
        }
    }

    /// The name as text. Bytes that are not valid UTF-8 become U+FFFD, so the result is always
    /// valid UTF-8 (which the exposition format requires) and otherwise byte-for-byte the same.
    public var string: String {
        storage.span.withUnsafeBufferPointer { String(decoding: $0.prefix(count), as: UTF8.self) }
    }

    /// Whether `text` is exactly these bytes: true for this name's `string` when the name is valid
    /// UTF-8, so a caller can keep the decoded name alone and still tell when the name changes.
    public func isEncoding(_ text: String) -> Bool {
        storage.span.withUnsafeBufferPointer { text.utf8.elementsEqual($0.prefix(count)) }
    }

    public static func == (lhs: ProcessName, rhs: ProcessName) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<lhs.count where lhs.storage[index] != rhs.storage[index] { return false }
        return true
    }
}
