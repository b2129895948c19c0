/// `/proc/loadavg`: run-queue averages over 1, 5 and 15 minutes, see proc_loadavg(5).
public struct LoadAverage: Equatable, Sendable {
    public var one: Double
    public var five: Double
    public var fifteen: Double

    public init(one: Double, five: Double, fifteen: Double) {
        self.one = one
        self.five = five
        self.fifteen = fifteen
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) -> LoadAverage? {
        var cursor = ByteCursor(bytes)
        guard let one = cursor.readFixedPoint(), let five = cursor.readFixedPoint(),
            let fifteen = cursor.readFixedPoint()
        else { return nil }
        return LoadAverage(one: one, five: five, fifteen: fifteen)
    }
}
