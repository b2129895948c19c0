import Glibc

/// An instant as the collector measures it.
public struct ScanInstant: Sendable {
    /// Seconds since boot, on the clock process start times are measured with (`CLOCK_BOOTTIME`),
    /// so a process can be known to have started after the previous scan.
    public var sinceBoot: Double
    /// Seconds since the Unix epoch.
    public var wallClock: Double

    public init(sinceBoot: Double, wallClock: Double) {
        self.sinceBoot = sinceBoot
        self.wallClock = wallClock
    }
}

/// Where the collector takes the time from; tests substitute fixed instants.
public protocol ScanClock: Sendable {
    func now() -> ScanInstant
    /// `now().sinceBoot` alone: what the collector takes once per process.
    func sinceBoot() -> Double
}

extension ScanClock {
    public func sinceBoot() -> Double { now().sinceBoot }
}

/// The system's boot-time and real-time clocks.
public struct SystemScanClock: ScanClock {
    public init() {}

    public func now() -> ScanInstant {
        ScanInstant(sinceBoot: sinceBoot(), wallClock: SystemClock.seconds(CLOCK_REALTIME))
    }

    public func sinceBoot() -> Double { SystemClock.seconds(CLOCK_BOOTTIME) }
}

/// The system's clocks (`clock_gettime`), read the one way both programs read them.
public enum SystemClock {
    /// The time on `clock` (`CLOCK_REALTIME`: since the Unix epoch; `CLOCK_MONOTONIC`,
    /// `CLOCK_BOOTTIME`: since an unspecified start, never stepped back).
    public static func now(_ clock: clockid_t) -> timespec {
        var time = timespec()
        clock_gettime(clock, &time)
        return time
    }

    /// `now(clock)` in seconds.
    public static func seconds(_ clock: clockid_t) -> Double {
        let time = now(clock)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
