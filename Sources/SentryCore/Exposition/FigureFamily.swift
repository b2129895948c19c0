/// A metric family whose one sample per exported item (a process, a container) is a figure of
/// that item, defined once for both directions: its name, type and help, the figure `Exposition`
/// writes from the scan's `Item`, and where `ExportedSnapshot` puts it back on the `Exported`
/// item it reads (attach mode, and what Prometheus stored). A new figure is one more entry in
/// `ProcessFigureFamily.all` or `ContainerFigureFamily.all`. Families that carry labels rather
/// than a figure (rank, listening port, command line) are written and read on their own.
struct FigureFamily<Item, Exported>: Sendable {
    let name: StaticString
    let type: ExpositionWriter.MetricType
    let help: String
    /// The item's figure; nil writes no sample for it.
    let value: @Sendable (Item) -> Double?
    /// Sets the figure read back from a sample's value.
    let restore: @Sendable (inout Exported, Double) -> Void
}

typealias ProcessFigureFamily = FigureFamily<ProcessSample, ExportedProcess>
typealias ContainerFigureFamily = FigureFamily<ContainerUsage, ExportedContainer>

extension FigureFamily where Item == ProcessSample, Exported == ExportedProcess {
    /// In exposition order.
    static let all: [ProcessFigureFamily] = [
        ProcessFigureFamily(
            name: "proc_process_top_cpu_percent", type: .gauge,
            help: "CPU use over the last scan interval, in percent of one core (100 = one core fully busy).",
            value: { $0.cpuPercent }, restore: { $0.cpuPercent = $1 }),
        ProcessFigureFamily(
            name: "proc_process_top_cpu_seconds_total", type: .counter,
            help: "User plus system CPU time since the process started, in seconds.",
            value: { $0.cpuSeconds }, restore: { $0.cpuSeconds = $1 }),
        ProcessFigureFamily(
            name: "proc_process_top_children_cpu_percent", type: .gauge,
            help: "CPU use of the process's reaped children over the last scan interval, less what was seen of them alive, in percent of one core.",
            value: { $0.childrenCPUPercent }, restore: { $0.childrenCPUPercent = $1 }),
        ProcessFigureFamily(
            name: "proc_process_top_children_cpu_seconds_total", type: .counter,
            help: "CPU time of the process's reaped children, less what was seen of them alive, in seconds.",
            value: { $0.childrenCPUSeconds }, restore: { $0.childrenCPUSeconds = $1 }),
        ProcessFigureFamily(
            name: "proc_process_top_memory_bytes", type: .gauge, help: "Resident set size (RSS), in bytes.",
            value: { Double($0.residentBytes) }, restore: { $0.residentBytes = UInt64(exactly: $1) }),
        ProcessFigureFamily(
            name: "proc_process_top_io_read_bytes_per_second", type: .gauge,
            help: "Bytes read from storage per second over the last scan interval (/proc/PID/io read_bytes).",
            value: { $0.readBytesPerSecond }, restore: { $0.readBytesPerSecond = $1 }),
        ProcessFigureFamily(
            name: "proc_process_top_io_write_bytes_per_second", type: .gauge,
            help: "Bytes written to storage per second over the last scan interval (/proc/PID/io write_bytes).",
            value: { $0.writeBytesPerSecond }, restore: { $0.writeBytesPerSecond = $1 }),
        ProcessFigureFamily(
            name: "proc_process_top_io_read_bytes_total", type: .counter,
            help: "Bytes read from storage since the process started.",
            value: { $0.io.map { Double($0.readBytes) } }, restore: { $0.readBytesTotal = UInt64(exactly: $1) }),
        ProcessFigureFamily(
            name: "proc_process_top_io_write_bytes_total", type: .counter,
            help: "Bytes written to storage since the process started.",
            value: { $0.io.map { Double($0.writeBytes) } }, restore: { $0.writeBytesTotal = UInt64(exactly: $1) }),
        ProcessFigureFamily(
            name: "proc_process_top_threads", type: .gauge, help: "Number of threads.",
            value: { Double($0.threads) }, restore: { $0.threads = $1.exactCount }),
        ProcessFigureFamily(
            name: "proc_process_top_start_time_seconds", type: .gauge,
            help: "Start time of the process, in seconds since the Unix epoch.",
            value: { $0.startTime }, restore: { $0.startTime = $1 }),
    ]
}

extension FigureFamily where Item == ContainerUsage, Exported == ExportedContainer {
    /// In exposition order. A container's `cpu_percent` is its processes' own plus children's
    /// CPU, read back into `usage.cpuPercent` (with `childrenCPUPercent` 0).
    static let all: [ContainerFigureFamily] = [
        ContainerFigureFamily(
            name: "proc_container_cpu_percent", type: .gauge,
            help: "CPU use of all processes of the container and of the children they reaped (net), in percent of one core.",
            value: { $0.usage.totalCPUPercent }, restore: { $0.usage.cpuPercent = $1 }),
        ContainerFigureFamily(
            name: "proc_container_cgroup_cpu_percent", type: .gauge,
            help: "CPU use the kernel charged to the container's cgroup over the last scan interval, exited processes included, in percent of one core.",
            value: { $0.cgroupCPUPercent }, restore: { $0.cgroupCPUPercent = $1 }),
        ContainerFigureFamily(
            name: "proc_container_cgroup_cpu_seconds_total", type: .counter,
            help: "CPU time the kernel charged to the container's cgroup (cpu.stat usage_usec, or cpuacct.usage), in seconds.",
            value: { $0.cgroupCPUSeconds }, restore: { $0.cgroupCPUSeconds = $1 }),
        ContainerFigureFamily(
            name: "proc_container_memory_bytes", type: .gauge, help: "Resident memory of all processes of the container, in bytes.",
            value: { Double($0.usage.residentBytes) }, restore: { $0.usage.residentBytes = UInt64(exactly: $1) ?? 0 }),
        ContainerFigureFamily(
            name: "proc_container_io_read_bytes_per_second", type: .gauge,
            help: "Storage bytes read per second by all processes of the container.",
            value: { $0.usage.readBytesPerSecond }, restore: { $0.usage.readBytesPerSecond = $1 }),
        ContainerFigureFamily(
            name: "proc_container_io_write_bytes_per_second", type: .gauge,
            help: "Storage bytes written per second by all processes of the container.",
            value: { $0.usage.writeBytesPerSecond }, restore: { $0.usage.writeBytesPerSecond = $1 }),
        ContainerFigureFamily(
            name: "proc_container_processes", type: .gauge, help: "Number of processes in the container.",
            value: { Double($0.usage.processCount) }, restore: { $0.usage.processCount = $1.exactCount ?? 0 }),
    ]
}
