// libFuzzer target: a `/proc/self/mountinfo` line (ProcMount.hidePID(inMountInfoLine:mountPoint:)),
// which an unprivileged user's mount namespace can shape.
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMountInfo(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let line = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for mountPoint in ["/proc", "/host/proc"] {
        guard let option = ProcMount.hidePID(inMountInfoLine: line, mountPoint: mountPoint) else { continue }
        // Only a procfs mounted at that point answers, and the value is one option's.
        precondition(line.contains(mountPoint), "an answer for a line without the mount point")
        // The parser splits at spaces and line feeds (a line read with getline ends in one).
        precondition(line.contains(" proc") || line.contains("\nproc"), "an answer for a line without the proc type")
        precondition(option != "0" && option != "off", "hidepid off reported as on")
        precondition(!option.contains(",") && !option.contains(" ") && !option.contains("\n"), "more than one option's value")
        precondition(option.isEmpty || line.contains("hidepid=" + option), "a value not in the line")
    }
    return 0
}
