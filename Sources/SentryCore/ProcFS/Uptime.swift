/// `/proc/uptime`: seconds since boot, see proc_uptime(5).
public enum Uptime {
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Double? {
        var cursor = ByteCursor(bytes)
        return cursor.readFixedPoint()
    }
}
