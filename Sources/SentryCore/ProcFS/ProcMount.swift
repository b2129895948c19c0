import Glibc

/// How the procfs at a root is mounted, as far as it limits what a scan can see.
public enum ProcMount {
    /// The `hidepid` option of the procfs mounted at `root` (`2`, `invisible`, `noaccess`,
    /// `ptraceable`, ...), or nil if it is unset, off, or `root` is not a procfs mount point.
    /// With it, a user sees only the processes it may ptrace: a scan without privileges shows
    /// this user's processes and nothing else, with no error to tell.
    ///
    /// Read once at start-up, so plain `String` parsing is fine here.
    public static func hidePIDOption(root: String, mountInfo: String = "/proc/self/mountinfo") -> String? {
        guard let resolved = realpath(root, nil) else { return nil }
        let mountPoint = String(cString: resolved)
        free(resolved)
        guard let file = fopen(mountInfo, "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        var option: String?
        // The last matching line wins: a later mount on the same point hides the earlier ones.
        while getline(&line, &capacity, file) > 0, let line {
            if let found = hidePID(inMountInfoLine: String(cString: line), mountPoint: mountPoint) {
                option = found.isEmpty ? nil : found
            }
        }
        return option
    }

    /// For a `mountinfo` line of a procfs at `mountPoint`: its hidepid value ("" if none or off);
    /// nil for any other line. Format: `id parent dev root mountpoint opts [tags] - type source superopts`.
    public static func hidePID(inMountInfoLine line: String, mountPoint: String) -> String? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 7, fields[4] == mountPoint,
            let separator = fields.firstIndex(of: "-"), fields.index(separator, offsetBy: 3) < fields.endIndex,
            fields[separator + 1] == "proc"
        else { return nil }
        for option in fields[separator + 3].split(separator: ",") where option.hasPrefix("hidepid=") {
            let value = option.dropFirst("hidepid=".count)
            return value == "0" || value == "off" ? "" : String(value)
        }
        return ""
    }
}
