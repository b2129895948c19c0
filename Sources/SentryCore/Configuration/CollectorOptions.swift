import ArgumentParser
import Glibc

/// The version both programs report (`--version`, the exporter's build info, sentry-top's
/// header and User-Agent).
public enum ProcSentry {
    public static let version = "0.1.0"
}

/// The command-line options both programs take for the collector they run, declared once:
/// `--top-n` (or `TOP_N`), the `--top.*` selection rules and the `--path.*` roots. Both programs
/// scan with the same rules, so sentry-top shows exactly the Top N the exporter sends.
public struct CollectorOptions: ParsableArguments {
    @Option(
        name: .customLong("top-n"),
        help: "Processes in each Top N list (CPU, memory, IO). Default 50, or the TOP_N environment variable.")
    var topN: Int?

    @Option(
        name: .customLong("top.min-scans"),
        help: "Consecutive scans a process must be seen in before it enters a Top N list: 2 (a one-scan flash exports nothing) or 1.")
    var minimumScans = SelectionRules().minimumScans

    @Option(name: .customLong("top.min-cpu-percent"), help: "Least CPU (own plus children's, 100 = one core) to enter the CPU list.")
    var minimumCPUPercent = SelectionRules().minimumCPUPercent

    @Option(name: .customLong("top.min-memory-bytes"), help: "Least resident memory, in bytes, to enter the memory list.")
    var minimumResidentBytes = SelectionRules().minimumResidentBytes

    @Option(
        name: .customLong("top.min-io-bytes-per-second"), help: "Least storage reads plus writes per second to enter the IO list.")
    var minimumIOBytesPerSecond = SelectionRules().minimumIOBytesPerSecond

    @Option(
        name: .customLong("top.hold"),
        help: "Scans an exported process stays exported after it left every list (0: none).")
    var holdScans = SelectionRules().holdScans

    @Option(name: .customLong("path.procfs"), help: "Mount point of the proc filesystem to scan.")
    public var procRoot = ProcFS.defaultRoot

    @Option(name: .customLong("path.passwd"), help: "passwd file to resolve user names from.")
    public var passwdPath = "/etc/passwd"

    @Option(name: .customLong("path.sysfs"), help: "Mount point of sysfs, for containers' cgroup CPU accounting.")
    public var sysRoot = "/sys"

    public init() {}

    /// The N: `--top-n`, else the `TOP_N` environment variable (as in the original design, so a
    /// container or DaemonSet sets it once for both programs), else the default.
    public var topNToUse: Int {
        get throws {
            let environment = getenv("TOP_N").map { String(cString: $0) }
            do {
                return try CollectorConfiguration.resolveTopN(flag: topN, environment: environment)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    /// The `--top.*` rules, checked.
    public var selectionRules: SelectionRules {
        get throws {
            do {
                return try SelectionRules(
                    validatingMinimumScans: minimumScans, minimumCPUPercent: minimumCPUPercent,
                    minimumResidentBytes: minimumResidentBytes, minimumIOBytesPerSecond: minimumIOBytesPerSecond,
                    holdScans: holdScans)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    public func validate() throws {
        _ = try topNToUse
        _ = try selectionRules
    }

    /// The collector's configuration these options describe.
    public func configuration(collectsCommandLines: Bool = false) throws -> CollectorConfiguration {
        CollectorConfiguration(
            procRoot: procRoot, passwdPath: passwdPath, sysRoot: sysRoot, topN: try topNToUse,
            selection: try selectionRules, collectsCommandLines: collectsCommandLines)
    }
}
