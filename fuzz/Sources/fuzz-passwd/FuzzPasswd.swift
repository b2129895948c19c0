// libFuzzer target: a passwd file (UserNames.parse).
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPasswd(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let contents = Array(UnsafeBufferPointer(start: data, count: size))
    let names = UserNames.parse(contents)
    // Each name is the first field of a line: non-empty, with no colon or line feed.
    let lines = contents.count { $0 == UInt8(ascii: "\n") } + 1
    precondition(names.count <= lines, "more users than lines")
    for name in names.values {
        precondition(!name.isEmpty, "empty user name")
        precondition(!name.utf8.contains(UInt8(ascii: ":")), "user name with a colon")
        precondition(!name.utf8.contains(UInt8(ascii: "\n")), "user name with a line feed")
    }
    return 0
}
