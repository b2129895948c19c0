import Glibc

/// The process's limit on open files (`RLIMIT_NOFILE`), which bounds the descriptors the
/// collector keeps open between scans (two per process, `DescriptorBudget`).
public enum OpenFileLimit {
    /// Raises the soft limit to the hard one, as Go's runtime does for every program: the usual
    /// soft limit of 1024 would leave descriptors to keep open for a few hundred processes only.
    /// It changes the whole process, so the programs call it themselves, once, at start-up.
    public static func raiseToHardLimit() {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
    }

    /// The soft limit; 0 if unknown.
    static var current: Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        // Bounded: "unlimited" is a huge number, and the budget counts one by one.
        return Int(min(limit.rlim_cur, 1 << 20))
    }
}
