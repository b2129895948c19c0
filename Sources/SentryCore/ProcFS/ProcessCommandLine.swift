/// `/proc/<pid>/cmdline`: the arguments, each ended by a NUL, shown as one line.
public enum ProcessCommandLine {
    /// The arguments joined by spaces, trailing NULs and spaces removed (empty for kernel threads
    /// and zombies). Bytes that are not UTF-8 become U+FFFD. Longer than `maximumBytes` (of
    /// UTF-8, after that replacement), it is cut at a character boundary and ends with "…".
    public static func parse(_ bytes: UnsafeRawBufferPointer, maximumBytes: Int = .max) -> String {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0 || bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        // Decode no more than can be kept (a command line may be megabytes long)...
        var cut = end
        if cut > maximumBytes {
            cut = maximumBytes
            // ...and not half a character: back up to the start of the one the cut falls in.
            while cut > 0, bytes[cut] & 0b1100_0000 == 0b1000_0000 { cut -= 1 }
        }
        var line = String(decoding: bytes[0..<cut].lazy.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        var truncated = cut < end
        // Each byte that is not UTF-8 grew to three (U+FFFD): cut again, by characters.
        if line.utf8.count > maximumBytes {
            var length = 0
            let kept = line.unicodeScalars.prefix { scalar in
                length += scalar.utf8.count
                return length <= maximumBytes
            }
            line = String(String.UnicodeScalarView(kept))
            truncated = true
        }
        return truncated ? line + "…" : line
    }
}
