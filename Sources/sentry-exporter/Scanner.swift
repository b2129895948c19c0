import Dispatch
import Glibc
import Logging
import SentryCore

/// Scans /proc on a timer and publishes each snapshot's exposition to the store.
///
/// Scans run one at a time on a private serial queue, which confines the collector (not
/// thread-safe by design) to one thread. The first scan has no earlier one to compute rates
/// from, so a second follows after at most a second; then one per interval.
final class Scanner: @unchecked Sendable {
    private let collector: Collector
    private let ownProcFS: ProcFS?
    /// The boot time of the kernel the exporter runs on, in seconds since the Unix epoch: its own
    /// start time counts from it, whichever tree `--path.procfs` names.
    private let ownBootTime: Double?
    private let store: ExpositionStore
    private let interval: FlagDuration
    private let logger: Logger
    private let queue = DispatchQueue(label: "proc-sentry.scanner")
    private var timer: DispatchSourceTimer?
    private var exposition: Exposition
    /// What the last scan exported, to publish again (with the failure counted) if a scan fails.
    private var lastSnapshot: Snapshot?
    private var lastSize = 0
    private var warnedAboutPermissions = false
    private var warnedAboutPasswd = false
    private var warnedAboutDescriptors = false
    private var warnedAboutAccounting = false
    private var warnedAboutIOAccounting = false

    init(collector: Collector, store: ExpositionStore, interval: FlagDuration, version: String, logger: Logger) {
        self.collector = collector
        self.store = store
        self.interval = interval
        self.logger = logger
        // The exporter's own process, in its own PID namespace (the scanned root may be the host's).
        let ownProcFS = try? ProcFS(root: ProcFS.defaultRoot)
        self.ownProcFS = ownProcFS
        let ownStat = ownProcFS.flatMap { procFS in try? procFS.read(pid: nil, "stat", SystemStat.parse) }
        ownBootTime = ownStat.map { Double($0.bootTime) }
        exposition = Exposition(version: version, scans: 0, scanFailures: 0, ownProcess: nil)
    }

    /// Publishes an exposition without processes (so scrapes succeed at once), then starts scanning.
    func start() {
        let root = collector.configuration.procRoot
        if geteuid() != 0, let hidePID = ProcMount.hidePIDOption(root: root) {
            logger.warning(
                "procfs is mounted with hidepid: only processes this user may trace are visible, the others are not counted anywhere",
                metadata: ["path.procfs": "\(root)", "hidepid": "\(hidePID)"])
        }
        queue.sync { publish(nil) }
        queue.async { [self] in
            scan()
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(
                deadline: .now() + .milliseconds(min(interval.milliseconds, 1000)),
                repeating: .milliseconds(interval.milliseconds),
                leeway: .milliseconds(min(interval.milliseconds / 20, 100)))
            timer.setEventHandler { [unowned self] in scan() }
            timer.activate()
            self.timer = timer
        }
    }

    /// Stops the timer; a scan in progress finishes.
    func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
    }

    private func scan() {
        exposition.scans += 1
        do {
            let snapshot = try collector.scan()
            warnOnce(about: snapshot)
            publish(snapshot)
            lastSnapshot = snapshot.selectedOnly()
        } catch {
            exposition.scanFailures += 1
            logger.error("Scan failed", metadata: ["path.procfs": "\(collector.configuration.procRoot)", "error": "\(error)"])
            // The previous snapshot is published again with the failure counted; its
            // proc_sentry_last_scan_timestamp_seconds shows how old it is.
            publish(lastSnapshot)
        }
    }

    private func publish(_ snapshot: Snapshot?) {
        if let ownProcFS, let ownBootTime {
            exposition.ownProcess = OwnProcessStats.read(
                from: ownProcFS, bootTime: ownBootTime, configuration: collector.configuration)
        }
        let bytes = exposition.renderNext(snapshot, capacity: lastSize)
        lastSize = bytes.count
        store.publish(bytes)
    }

    /// Logs, once each, the conditions that make the output incomplete.
    private func warnOnce(about snapshot: Snapshot) {
        if !warnedAboutPermissions, snapshot.unreadable.permissionDenied > 0 {
            warnedAboutPermissions = true
            logger.warning(
                "Some processes' files are not readable; their IO and ports are not reported. Run as root or grant CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH",
                metadata: ["files": "\(snapshot.unreadable.permissionDenied)"])
        }
        if !warnedAboutIOAccounting, snapshot.unreadable.noIOAccounting > 0 {
            warnedAboutIOAccounting = true
            logger.warning(
                "Some processes have no io file: the kernel lacks task I/O accounting (CONFIG_TASK_IO_ACCOUNTING); their IO is not reported",
                metadata: ["processes": "\(snapshot.unreadable.noIOAccounting)"])
        }
        if !warnedAboutDescriptors, collector.isOutOfKeptDescriptors {
            warnedAboutDescriptors = true
            logger.warning(
                "Out of file descriptors to keep open between scans; the processes beyond are read the slower way. Raise the hard RLIMIT_NOFILE (LimitNOFILE=, ulimit -n)",
                metadata: ["processes": "\(snapshot.processes.count)"])
        }
        let unaccounted = snapshot.containerAccountingUnreadable
        if !warnedAboutAccounting, unaccounted != UnreadableCounts() {
            warnedAboutAccounting = true
            logger.warning(
                "Some containers' cgroup CPU accounting is not readable; proc_container_cgroup_cpu_* leave them out (proc_sentry_containers_unaccounted says why)",
                metadata: [
                    "path.sysfs": "\(collector.configuration.sysRoot)", "absent": "\(unaccounted.vanished)",
                    "permission_denied": "\(unaccounted.permissionDenied)", "malformed": "\(unaccounted.malformed)",
                    "failed": "\(unaccounted.failed)",
                ])
        }
        if !warnedAboutPasswd, case .failed(let failure) = collector.userNamesRefresh {
            warnedAboutPasswd = true
            logger.warning(
                "Cannot read the passwd file; users are shown as UIDs",
                metadata: ["path.passwd": "\(collector.configuration.passwdPath)", "error": "\(failure)"])
        }
    }
}
