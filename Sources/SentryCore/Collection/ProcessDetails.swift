/// What a details view shows about one process beyond its sample, read on demand (never by a scan).
public struct ProcessDetails: Equatable, Sendable {
    /// The command line with arguments separated by spaces; empty for kernel threads and zombies.
    public var commandLine: String
    /// The lines of `/proc/<pid>/cgroup` (`hierarchy:controllers:path`).
    public var cgroups: [String]

    /// Reads `cmdline` and `cgroup` of `pid`; nil if the process is gone.
    public static func read(pid: Int32, from procFS: ProcFS) -> ProcessDetails? {
        guard let commandLine = try? procFS.read(pid: pid, "cmdline", { ProcessCommandLine.parse($0) }) else { return nil }
        let cgroup = (try? procFS.read(pid: pid, "cgroup") { String(decoding: $0, as: UTF8.self) }) ?? ""
        return ProcessDetails(commandLine: commandLine, cgroups: cgroup.split(separator: "\n").map(String.init))
    }
}
