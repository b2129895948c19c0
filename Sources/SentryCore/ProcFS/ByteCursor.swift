/// A forward-only reader over the bytes of one /proc file.
///
/// /proc files are ASCII tables of decimal and hexadecimal numbers; reading them byte by byte
/// with no intermediate `String` keeps a scan of thousands of processes at C speed.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= bytes.count }

    /// Skips spaces and tabs (not newlines, which end table rows).
    mutating func skipBlanks() {
        while offset < bytes.count, bytes[offset] == UInt8(ascii: " ") || bytes[offset] == UInt8(ascii: "\t") {
            offset += 1
        }
    }

    /// Skips one run of non-blank bytes and the blanks after it.
    mutating func skipField() {
        while offset < bytes.count, !Self.isBlank(bytes[offset]) { offset += 1 }
        skipBlanks()
    }

    /// Skips `count` fields.
    mutating func skipFields(_ count: Int) {
        for _ in 0..<count { skipField() }
    }

    /// Moves past the next `byte`; false (at the end) if there is none.
    @discardableResult
    mutating func skip(past byte: UInt8) -> Bool {
        while offset < bytes.count {
            defer { offset += 1 }
            if bytes[offset] == byte { return true }
        }
        return false
    }

    /// Reads an unsigned decimal number after optional blanks; nil if there are no digits or it overflows.
    mutating func readDecimal() -> UInt64? {
        skipBlanks()
        var value: UInt64 = 0
        let start = offset
        while offset < bytes.count, Self.decimalValue(bytes[offset]) != nil {
            guard let next = value.appendingDecimalDigit(bytes[offset]) else { return nil }
            value = next
            offset += 1
        }
        return offset > start ? value : nil
    }

    /// Reads a signed decimal number after optional blanks.
    mutating func readSignedDecimal() -> Int64? {
        skipBlanks()
        var negative = false
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") {
            negative = true
            offset += 1
        }
        guard let magnitude = readDecimal(), magnitude <= UInt64(Int64.max) else { return nil }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// Reads an unsigned hexadecimal number (no `0x`); nil if there are no digits or it overflows.
    mutating func readHexadecimal() -> UInt64? {
        var value: UInt64 = 0
        let start = offset
        while offset < bytes.count, let digit = Self.hexadecimalValue(bytes[offset]) {
            guard value >> 60 == 0 else { return nil }
            value = value << 4 | digit
            offset += 1
        }
        return offset > start ? value : nil
    }

    /// True if the bytes at the cursor are `prefix`; moves past them if so.
    mutating func consume(_ prefix: StaticString) -> Bool {
        let matched = prefix.withUTF8Buffer { expected in
            guard bytes.count - offset >= expected.count else { return false }
            for (index, byte) in expected.enumerated() where bytes[offset + index] != byte { return false }
            return true
        }
        if matched { offset += prefix.utf8CodeUnitCount }
        return matched
    }

    /// Moves forward `count` bytes, stopping at the end.
    mutating func skipBytes(_ count: Int) {
        offset = min(offset + count, bytes.count)
    }

    /// Moves to the start of the line after the current one.
    mutating func skipLine() {
        skip(past: UInt8(ascii: "\n"))
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
    }

    static func decimalValue(_ byte: UInt8) -> UInt64? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? UInt64(byte - UInt8(ascii: "0")) : nil
    }

    static func hexadecimalValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}

extension FixedWidthInteger {
    /// The number `digits` spell in ASCII decimal, with nothing else among them (no sign, no
    /// blanks); nil if there are none, another byte is there, or the number does not fit.
    init?(decimalDigits digits: some Sequence<UInt8>) {
        var value: Self = 0
        var isEmpty = true
        for byte in digits {
            guard let next = value.appendingDecimalDigit(byte) else { return nil }
            value = next
            isEmpty = false
        }
        guard !isEmpty else { return nil }
        self = value
    }

    /// `self` with the ASCII decimal digit `byte` appended (`self * 10 + digit`); nil if `byte`
    /// is not a digit or the result does not fit.
    func appendingDecimalDigit(_ byte: UInt8) -> Self? {
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        let (times10, overflow) = multipliedReportingOverflow(by: 10)
        let (sum, carry) = times10.addingReportingOverflow(Self(byte &- UInt8(ascii: "0")))
        return overflow || carry ? nil : sum
    }
}

extension ByteCursor {
    /// Reads a non-negative decimal with an optional fraction (`0.52`, `12345.67`).
    mutating func readFixedPoint() -> Double? {
        guard let whole = readDecimal() else { return nil }
        var value = Double(whole)
        if consume(".") {
            var scale = 0.1
            while !isAtEnd, let digit = Self.decimalValue(bytes[offset]) {
                value += Double(digit) * scale
                scale /= 10
                skipBytes(1)
            }
        }
        return value
    }
}
