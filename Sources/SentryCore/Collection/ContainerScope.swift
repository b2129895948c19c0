/// Whose `cgroup` file a scan reads, if the collector does not know the process's container yet.
public enum ContainerScope: Sendable {
    /// Every process's, so that the snapshot's per-container sums are whole. What an exporter
    /// always does.
    case everyProcess
    /// The selected processes' only; the others' are read by the next scan. Reading `cgroup`
    /// is about 30% of a first scan (it is read once per process, then kept), so a screen
    /// that must appear at once scans this way first.
    case selectedProcesses
}
