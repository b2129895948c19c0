/// `/proc/<pid>/status`: the fields the collector needs from it, see proc_pid_status(5).
public struct ProcessStatus: Equatable, Sendable {
    /// Real user ID (first number of `Uid:`).
    public var realUID: UInt32
    /// Effective user ID (second number of `Uid:`): the user whose rights the process has,
    /// which is what `ps -o user` and top's USER column show.
    public var effectiveUID: UInt32

    /// Parses the `Uid:` line; nil if there is none.
    ///
    /// `Uid:` comes early in the file, so parsing stops there rather than reading every line.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ProcessStatus? {
        var cursor = ByteCursor(bytes)
        while !cursor.isAtEnd {
            if cursor.consume("Uid:") {
                guard let real = cursor.readDecimal(), let effective = cursor.readDecimal(),
                    real <= UInt64(UInt32.max), effective <= UInt64(UInt32.max)
                else { return nil }
                return ProcessStatus(realUID: UInt32(real), effectiveUID: UInt32(effective))
            }
            cursor.skipLine()
        }
        return nil
    }
}
