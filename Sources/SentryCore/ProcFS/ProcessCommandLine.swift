/// `/proc/<pid>/cmdline`: the arguments, each ended by a NUL, shown as one line.
public enum ProcessCommandLine {
    /// The arguments joined by spaces, trailing NULs and spaces removed (empty for kernel threads
    /// and zombies), at most `maximumBytes` long: cut at a character boundary and ended with "…"
    /// when longer. Bytes that are not UTF-8 become U+FFFD.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maximumBytes: Int = .max) -> String {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0 || bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        var truncated = false
        if end > maximumBytes {
            truncated = true
            end = maximumBytes
            // Not inside a character: back up over continuation bytes to the start of the last one.
            var start = end
            while start > 0, bytes[start] & 0b1100_0000 == 0b1000_0000 { start -= 1 }
            end = start
        }
        let line = String(decoding: bytes[0..<end].lazy.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        return truncated ? line + "…" : line
    }
}
