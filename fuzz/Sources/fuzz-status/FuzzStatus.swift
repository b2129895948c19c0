// libFuzzer target: `/proc/<pid>/status` (ProcessStatus.parse).
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatus(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let status = ProcessStatus.parse(bytes) else { return 0 }
    // A result needs a `Uid:` at the start of a line; the first such line is the one read.
    let text = Array(bytes)
    let uidLine = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        .first { $0.starts(with: "Uid:".utf8) }
    precondition(uidLine != nil, "a status without a Uid: line parsed")
    let numbers = uidLine!.dropFirst(4).split { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    precondition(numbers.count >= 2, "fewer than two numbers on the Uid: line")
    precondition(
        leadingNumber(numbers[numbers.startIndex]) == UInt64(status.realUID),
        "real UID differs from the line")
    precondition(
        leadingNumber(numbers[numbers.startIndex + 1]) == UInt64(status.effectiveUID),
        "effective UID differs from the line")
    return 0
}

/// The value of the digits a field starts with (the parser reads no further).
private func leadingNumber(_ field: ArraySlice<UInt8>) -> UInt64? {
    UInt64(String(decoding: field.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }, as: UTF8.self))
}
