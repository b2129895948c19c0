/// Scans every process under a proc root and turns consecutive scans into `Snapshot`s.
///
/// Each scan reads `stat` and `io` of every process once and the owner of its directory, which
/// is its effective UID on a live procfs (`ProcFS.directoryOwnerIsEffectiveUID`); elsewhere
/// `status` gives the UID, read only when a process is new or that owner changed;
/// `cgroup` only for processes it has not seen before or that changed their name (an `exec`, as
/// when a container's init starts its command), and never for kernel threads (and, when asked,
/// only for the selected processes: `ContainerScope`); and listening ports only for the
/// selected processes.
/// Between scans it keeps one record per process, so rates compare a process only with itself,
/// and the process's `stat` and `io` descriptors, within a `DescriptorBudget`. The records are
/// an array in PID order, as /proc lists processes, so a scan walks them beside the listing:
/// no hashing, and the record of a process that has exited is dropped (its descriptors closed)
/// as the walk passes it.
///
/// A collector is not thread-safe: it reuses one read buffer and its records across scans.
/// Create it on, and confine it to, the thread or queue that scans.
public final class Collector {
    public let configuration: CollectorConfiguration

    private let procFS: ProcFS
    private let clock: any ScanClock
    private var userNames: UserNames
    /// One per process of the last scan, in PID order.
    private var records: [ProcessRecord] = []
    private var previous: (instant: ScanInstant, system: SystemStat)?
    private var selection = TopNSelection()
    private var portResolver: ListeningPortResolver
    private var descriptorBudget: DescriptorBudget
    private var ledger = ReapedChildrenLedger()
    private let containerAccounting: ContainerCPUAccounting
    /// `Snapshot.othersChildrenCPUSeconds`, in clock ticks.
    private var othersChildrenTicks: UInt64 = 0
    /// `Snapshot.processesEntered` and `processesLeft`.
    private var processesEntered = 0
    private var processesLeft = 0
    // Reused between scans so the steady state allocates no per-process storage.
    private var pids: [Int32] = []

    /// Descriptors the collector may still keep open (`CollectorConfiguration.keptDescriptorLimit`).
    var keptDescriptorsAvailable: Int { descriptorBudget.available }

    /// Whether the descriptor budget ran out: processes beyond it are read with
    /// `open`/`read`/`close` on every scan, at about twice the cost.
    public var isOutOfKeptDescriptors: Bool { descriptorBudget.isExhausted }

    /// What the last scan's check of the passwd file found.
    public private(set) var userNamesRefresh: UserNames.RefreshResult = .unchanged

    /// What a process's next sample needs from its last one: the counters its rates are computed
    /// from, and what is costly to read or decode again. Kept small because there is one per
    /// process: holding whole `ProcessSample`s in a dictionary made this table about 1 KiB per
    /// process (3 MiB, most of the exporter's heap, at 3,000 processes); this is about 170 bytes.
    private struct ProcessRecord {
        var pid: Int32
        var parentPID: Int32
        var startTicks: UInt64
        var cpuTicks: UInt64
        /// Reaped children's CPU as the kernel counts it (`ProcessStat.childrenTicks`).
        var childrenTicks: UInt64
        /// `ProcessSample.childrenCPUSeconds`, in clock ticks.
        var netChildrenTicks: UInt64
        /// Credits of exited children not yet taken off a growth (`ReapedChildrenLedger`),
        /// usable in the next scan only; during a scan, until `settleChildrenCPU`, the credits
        /// carried into it.
        var carriedCredit: UInt64
        /// When `cpuTicks` and `io` were read, in seconds since boot: rates are over the time
        /// between two readings of the process (`RateContext`).
        var readAt: Double
        var io: ProcessIO?
        var descriptors: KeptDescriptors
        var uid: UInt32?
        /// The owner of `<pid>` when `uid` was read: a different owner means a new UID.
        var directoryOwner: UInt32?
        /// The decoded command name. It also tells an `exec`, by differing from the raw name:
        /// a name that is not valid UTF-8 always differs, so such a process is decoded and its
        /// cgroup read again on every scan (rare, and no worse than a new process).
        var name: String
        var container: Container?
        /// False while `cgroup` has not been read (a scan of `ContainerScope.selectedProcesses`
        /// that did not select the process): the next scan reads it.
        var containerIsKnown: Bool
        /// Whether the scan exported the process (during a scan, until `applyMembership`, whether
        /// the last scan did), and for how many more scans out of every list it stays exported
        /// (`SelectionRules.holdScans`).
        var isExported: Bool
        var holdScansLeft: Int

        /// The rate baseline this record is for the process's next reading.
        var reading: RateContext.Reading {
            RateContext.Reading(cpuTicks: cpuTicks, childrenTicks: childrenTicks, io: io, readAt: readAt)
        }

        /// What the collector saw of the process, as `ReapedChildrenLedger` credits it when it exits.
        var exit: ReapedChildrenLedger.Exit {
            ReapedChildrenLedger.Exit(pid: pid, parentPID: parentPID, seenTicks: cpuTicks &+ childrenTicks)
        }
    }

    /// What the scan settles about a process after its walk, once every process is read: its
    /// children's CPU (the growth read, and the credits of this scan's exits it is settled
    /// against), and whether it may enter a list.
    private struct PendingSample {
        var growth: RateContext.ChildrenGrowth?
        var newCredit: UInt64 = 0
        /// The growth less the credits, once settled.
        var netTicks: UInt64 = 0
        /// Whether the last scan saw the process too (`SelectionRules.minimumScans`).
        var wasSeen: Bool
    }

    /// Opens the proc root; fails if it is not a readable directory.
    public init(configuration: CollectorConfiguration, clock: any ScanClock = SystemScanClock()) throws(ReadFailure) {
        self.configuration = configuration
        self.clock = clock
        procFS = try ProcFS(root: configuration.procRoot)
        userNames = UserNames(path: configuration.passwdPath)
        containerAccounting = ContainerCPUAccounting(sysRoot: configuration.sysRoot)
        portResolver = ListeningPortResolver(procFS: procFS, maximumPerProcess: configuration.maximumPortsPerProcess)
        descriptorBudget = configuration.keptDescriptorLimit.map(DescriptorBudget.init(available:))
            ?? (procFS.isLive ? .fromResourceLimit(reserve: 1024) : DescriptorBudget(available: 0))
    }

    deinit {
        for index in records.indices { records[index].descriptors.close(returningTo: &descriptorBudget) }
    }

    /// Scans all processes and returns what changed since the previous scan.
    ///
    /// Processes that exit or cannot be read mid-scan are counted in `unreadable`, never thrown.
    /// - Parameter containers: whose `cgroup` to read if not known yet; with
    ///   `.selectedProcesses` the snapshot may have `containersPending`.
    /// - Throws: only if the root's `stat` cannot be read, i.e. the root is not a procfs.
    public func scan(containers scope: ContainerScope = .everyProcess) throws(ReadFailure) -> Snapshot {
        let start = clock.now()
        guard let system = try procFS.read(pid: nil, "stat", SystemStat.parse) else { throw .malformed }
        userNamesRefresh = userNames.refresh()
        procFS.listProcesses(into: &pids)
        pids.sort()  // /proc lists in PID order already; a fixture directory may not

        let interval = previous.map { start.sinceBoot - $0.instant.sinceBoot }.flatMap { $0 > 0 ? $0 : nil }
        let rates = RateContext(
            previousScan: previous?.instant.sinceBoot,
            clockTicksPerSecond: Double(configuration.clockTicksPerSecond),
            cpuPercentLimit: Double(max(system.perCPU.count, 1)) * 100
        )
        var unreadable = UnreadableCounts()
        var processes: [ProcessSample] = []
        processes.reserveCapacity(pids.count)
        // A new array each scan, not a second one kept for reuse: between scans only one is
        // held (a block this size is mapped and unmapped, see `HeapTuning`).
        var nextRecords: [ProcessRecord] = []
        nextRecords.reserveCapacity(pids.count)
        // Like `nextRecords`, new each scan rather than kept between scans.
        var pending: [PendingSample] = []
        pending.reserveCapacity(pids.count)
        ledger.beginScan()
        var unwalked = 0  // the first of the last scan's records the walk has not reached
        for pid in pids {
            while unwalked < records.count, records[unwalked].pid < pid {
                retire(&records[unwalked])
                unwalked += 1
            }
            var last: ProcessRecord?
            if unwalked < records.count, records[unwalked].pid == pid {
                last = records[unwalked]
                unwalked += 1
            }
            if let (sample, record, settling) = sampleProcess(
                pid, last: last, readsContainer: scope == .everyProcess, system: system, rates: rates,
                unreadable: &unreadable)
            {
                processes.append(sample)
                nextRecords.append(record)
                pending.append(settling)
            }
        }
        for index in records.indices[unwalked...] { retire(&records[index]) }
        records = nextRecords
        // `records` and `pending` are parallel to `processes`: all were appended to together.
        settleChildrenCPU(&processes, &pending, rates: rates)
        let lists = selectLists(&processes, pending, isFirstScan: previous == nil)
        applyMembership(&processes)
        let selected = processes.indices.filter { processes[$0].isExported }
        for index in selected where !records[index].containerIsKnown {
            processes[index].container = readContainer(processes[index].pid, &unreadable)
            records[index].container = processes[index].container
            records[index].containerIsKnown = true
        }
        let containersPending = scope == .selectedProcesses && records.contains { !$0.containerIsKnown }
        let ports = portResolver.resolve(selected.map { processes[$0].identity }, now: start.sinceBoot)
        unreadable.permissionDenied += portResolver.deniedCount
        for index in selected { processes[index].listeningPorts = ports[processes[index].pid] ?? [] }
        if configuration.collectsCommandLines {
            for index in selected {
                processes[index].commandLine = try? procFS.read(pid: processes[index].pid, "cmdline") {
                    ProcessCommandLine.parse($0, maximumBytes: CollectorConfiguration.maximumCommandLineBytes)
                }
            }
        }

        var total = ResourceTotals()
        var others = ResourceTotals()
        for (index, process) in processes.enumerated() {
            total.add(process)
            if !process.isExported {
                others.add(process)
                othersChildrenTicks &+= pending[index].netTicks
            }
        }

        var containers: [ContainerUsage] = []
        var containerAccountingUnreadable = UnreadableCounts()
        if !containersPending {
            containers = containerUsage(of: processes)
            containerAccounting.update(&containers, clock: clock, rates: rates, unreadable: &containerAccountingUnreadable)
            rankContainers(&containers)
        }
        let systemUsage = SystemUsage(system, since: previous?.system)
        previous = (start, system)
        return Snapshot(
            topN: configuration.topN,
            time: start.wallClock,
            scanDuration: max(clock.now().sinceBoot - start.sinceBoot, 0),
            interval: interval,
            processes: processes,
            lists: lists,
            selected: selected,
            total: total,
            others: others,
            othersChildrenCPUSeconds: Double(othersChildrenTicks) / rates.clockTicksPerSecond,
            processesEntered: processesEntered,
            processesLeft: processesLeft,
            containers: containers,
            containersPending: containersPending,
            system: systemUsage,
            unreadable: unreadable,
            containerAccountingUnreadable: containerAccountingUnreadable
        )
    }

    // MARK: - One process

    /// Reads one process's files and computes its rates against `last`, the last scan's record
    /// of its PID; nil if it vanished or its `stat` is unreadable (counted in `unreadable`),
    /// having retired `last`. Without `readsContainer`, a `cgroup` not read yet is left for later.
    private func sampleProcess(
        _ pid: Int32, last: ProcessRecord?, readsContainer: Bool, system: SystemStat, rates: RateContext,
        unreadable: inout UnreadableCounts
    ) -> (ProcessSample, ProcessRecord, PendingSample)? {
        // The descriptors of whichever process last had this PID: a read through them fails if
        // that process has exited, and `read` then opens the path afresh.
        var descriptors = last?.descriptors ?? KeptDescriptors()
        let stat: ProcessStat
        let readAt: Double
        do {
            guard let parsed = try read(pid, "stat", keptIn: &descriptors.stat, ProcessStat.parse) else {
                unreadable.count(.malformed)
                retire(&descriptors, exitOf: last)
                return nil
            }
            stat = parsed
            readAt = clock.sinceBoot()
        } catch {
            unreadable.count(error)
            retire(&descriptors, exitOf: last)
            return nil
        }
        // Only `stat` decides whether the process is there: without `status` or `io` (denied,
        // or a kernel without I/O accounting) it is still worth reporting.
        let io = readIO(pid, &descriptors, &unreadable)

        // A record of the same PID but another start time belongs to an earlier process.
        let known = last.flatMap { $0.startTicks == stat.startTicks ? $0 : nil }
        if let last, known == nil { recordExit(of: last) }
        // The record of the same program (same PID, start time and name), whose name and
        // container still hold; nil after an exec into another program, or a new process.
        let sameProgram = known.flatMap { stat.name.isEncoding($0.name) ? $0 : nil }
        let directoryOwner = try? procFS.directoryOwner(pid: pid)
        let uid: UInt32?
        if procFS.directoryOwnerIsEffectiveUID, let directoryOwner {
            uid = directoryOwner
        } else if let known, let directoryOwner, known.directoryOwner == directoryOwner, let knownUID = known.uid {
            uid = knownUID
        } else {
            uid = readField(&unreadable) { () throws(ReadFailure) in
                try procFS.read(pid: pid, "status", shape: .oneRecord, ProcessStatus.parse)
            }?.effectiveUID
        }
        let container: Container?
        var containerIsKnown = true
        if let sameProgram, sameProgram.containerIsKnown {
            container = sameProgram.container
        } else if stat.isKernelThread {
            container = nil  // kernel threads stay in the root cgroup
        } else if readsContainer {
            container = readContainer(pid, &unreadable)
        } else {
            container = nil
            containerIsKnown = false
        }
        let cpuTicks = stat.cpuTicks
        let reading = RateContext.Reading(
            cpuTicks: cpuTicks, childrenTicks: stat.childrenTicks, io: io, readAt: readAt)
        let measured = rates.rates(reading: reading, startTicks: stat.startTicks, known: known?.reading)
        let growth = measured?.childrenGrowth
        let sample = ProcessSample(
            identity: ProcessIdentity(pid: pid, startTicks: stat.startTicks),
            name: sameProgram?.name ?? stat.name.string,
            state: stat.state,
            parentPID: stat.parentPID,
            isKernelThread: stat.isKernelThread,
            uid: uid,
            user: uid.map { userNames.name(for: $0) } ?? "",
            cpuSeconds: Double(cpuTicks) / rates.clockTicksPerSecond,
            startTime: Double(system.bootTime) + Double(stat.startTicks) / rates.clockTicksPerSecond,
            residentBytes: stat.residentPages &* UInt64(configuration.pageSize),
            threads: stat.threads,
            io: io,
            cpuPercent: measured?.cpuPercent,
            readBytesPerSecond: measured?.readBytesPerSecond,
            writeBytesPerSecond: measured?.writeBytesPerSecond,
            container: container,
            ranks: TopRanks(),
            listeningPorts: []
        )
        let record = ProcessRecord(
            pid: pid, parentPID: stat.parentPID, startTicks: stat.startTicks, cpuTicks: cpuTicks,
            childrenTicks: stat.childrenTicks,
            // Before this interval's net growth (added by `settleChildrenCPU`): the last count,
            // or on a first sight all the children's CPU before the interval.
            netChildrenTicks: known?.netChildrenTicks ?? stat.childrenTicks - (growth?.ticks ?? 0),
            carriedCredit: known?.carriedCredit ?? 0, readAt: readAt, io: io, descriptors: descriptors, uid: uid,
            directoryOwner: directoryOwner, name: sample.name, container: sample.container,
            containerIsKnown: containerIsKnown, isExported: known?.isExported ?? false,
            holdScansLeft: known?.holdScansLeft ?? 0)
        return (sample, record, PendingSample(growth: growth, wasSeen: known != nil))
    }

    /// Drops the record of a process that has exited: closes its descriptors and leaves its
    /// credit for its parent (`ReapedChildrenLedger`).
    private func retire(_ record: inout ProcessRecord) {
        retire(&record.descriptors, exitOf: record)
    }

    /// Closes `descriptors` and records the exit of `record`'s process, if any.
    private func retire(_ descriptors: inout KeptDescriptors, exitOf record: ProcessRecord?) {
        descriptors.close(returningTo: &descriptorBudget)
        if let record { recordExit(of: record) }
    }

    /// Leaves the credit of an exited process for its parent; an exported one leaves the
    /// exported set.
    private func recordExit(of record: ProcessRecord) {
        ledger.recordExit(record.exit)
        if record.isExported { processesLeft += 1 }
    }

    /// Sets each process's net children's CPU once the scan's exits are known: its growth less
    /// the credits of the children it reaped, and updates the counters the next scan starts from.
    private func settleChildrenCPU(
        _ processes: inout [ProcessSample], _ childrenGrowth: inout [PendingSample], rates: RateContext
    ) {
        ledger.distributeCredits(
            livePosition: { pid in
                let index = processes.partitionPoint { $0.pid < pid }
                return index < processes.count && processes[index].pid == pid ? index : nil
            },
            credit: { ticks, index in childrenGrowth[index].newCredit &+= ticks })
        for index in processes.indices {
            var pending = childrenGrowth[index]
            var carry: UInt64 = 0
            if let growth = pending.growth {
                (pending.netTicks, carry) = ReapedChildrenLedger.settle(
                    growth: growth.ticks, carried: records[index].carriedCredit, new: pending.newCredit)
                processes[index].childrenCPUPercent = rates.percent(ticks: pending.netTicks, over: growth.interval)
            }
            childrenGrowth[index] = pending
            records[index].netChildrenTicks &+= pending.netTicks
            records[index].carriedCredit = carry
            processes[index].childrenCPUSeconds = Double(records[index].netChildrenTicks) / rates.clockTicksPerSecond
        }
    }

    // MARK: - Selection

    /// Ranks each list under `SelectionRules` and returns each list's indices, best first: the
    /// top N at or above the list's floor (at equal keys one the last scan exported first, then
    /// the smaller PID), less those seen for the first time (unless this is the first scan).
    /// Those still take their place, so that a new process does not pull in, for one scan, one
    /// that it will push out at the next: a list may hold fewer than N for a scan.
    private func selectLists(_ processes: inout [ProcessSample], _ pending: [PendingSample], isFirstScan: Bool)
        -> [TopList: [Int]]
    {
        let rules = configuration.selection
        let admitsNew = isFirstScan || rules.minimumScans < 2
        var lists: [TopList: [Int]] = [:]
        for list in TopList.allCases {
            let floor = rules.floor(of: list)
            let indices = selection.select(
                configuration.topN, from: processes.count,
                key: { index in processes[index].value(for: list).flatMap { $0 >= floor ? $0 : nil } },
                tieBreaker: { index in (records[index].isExported ? 0 : 1 << 32) | Int64(processes[index].pid) }
            ).filter { admitsNew || pending[$0].wasSeen }
            for (rank, index) in indices.enumerated() { processes[index].ranks[list] = rank + 1 }
            lists[list] = indices
        }
        return lists
    }

    /// Decides who is exported now: every process in a list, and those the last scan exported
    /// that left every list fewer than `holdScans` scans ago (held); counts who entered and left.
    private func applyMembership(_ processes: inout [ProcessSample]) {
        let holdScans = configuration.selection.holdScans
        for index in processes.indices {
            let wasExported = records[index].isExported
            if processes[index].ranks.isSelected {
                records[index].holdScansLeft = holdScans
            } else if wasExported, records[index].holdScansLeft > 0 {
                records[index].holdScansLeft -= 1
                processes[index].isHeld = true
            } else {
                records[index].holdScansLeft = 0
            }
            let isExported = processes[index].isExported
            if isExported != wasExported {
                if isExported { processesEntered += 1 } else { processesLeft += 1 }
            }
            records[index].isExported = isExported
        }
    }

    /// Reads `<pid>/<file>` (`stat` or `io`, one record each) through the descriptor in `kept`,
    /// opening one and keeping it while the budget allows. A kept descriptor that fails belonged
    /// to a process that has exited (or lost access): it is closed and the path opened afresh,
    /// for whatever process has the PID now.
    private func read<Value>(
        _ pid: Int32, _ file: StaticString, keptIn kept: inout Int32, _ body: (UnsafeRawBufferPointer) -> Value
    ) throws(ReadFailure) -> Value {
        if kept >= 0 {
            do {
                return try procFS.read(descriptor: kept, shape: .oneRecord, body)
            } catch {
                KeptDescriptors.close(&kept, returningTo: &descriptorBudget)
            }
        }
        let path = ProcPath(pid: pid, file)
        guard descriptorBudget.acquire() else { return try procFS.read(path, shape: .oneRecord, body) }
        do {
            kept = try procFS.open(path)
        } catch {
            descriptorBudget.release()
            throw error
        }
        do {
            return try procFS.read(descriptor: kept, shape: .oneRecord, body)
        } catch {
            KeptDescriptors.close(&kept, returningTo: &descriptorBudget)
            throw error
        }
    }

    /// Reads and parses a file whose absence does not disqualify the process; nil, counted in
    /// `unreadable`, if it cannot be read or parsed.
    private func readField<Value>(
        _ unreadable: inout UnreadableCounts, _ read: () throws(ReadFailure) -> Value?
    ) -> Value? {
        do {
            guard let value = try read() else {
                unreadable.count(.malformed)
                return nil
            }
            return value
        } catch {
            unreadable.count(error)
            return nil
        }
    }

    /// The process's `io`; nil if unreadable. A process still there without the file (its
    /// directory is) runs on a kernel without task I/O accounting, counted apart from exits.
    private func readIO(_ pid: Int32, _ descriptors: inout KeptDescriptors, _ unreadable: inout UnreadableCounts)
        -> ProcessIO?
    {
        do {
            let io = try read(pid, "io", keptIn: &descriptors.io, ProcessIO.parse)
            if io == nil { unreadable.count(.malformed) }
            return io
        } catch .vanished where (try? procFS.directoryOwner(pid: pid)) != nil {
            unreadable.noIOAccounting += 1
            return nil
        } catch {
            unreadable.count(error)
            return nil
        }
    }

    /// The container named by `cgroup`, whose accounting it also locates; nil for a host process
    /// or if the file cannot be read.
    private func readContainer(_ pid: Int32, _ unreadable: inout UnreadableCounts) -> Container? {
        do {
            return try procFS.read(pid: pid, "cgroup", shape: .oneRecord) { bytes in
                guard let container = Container(cgroupFile: bytes) else { return nil }
                containerAccounting.locate(container, cgroupFile: bytes)
                return container
            }
        } catch {
            unreadable.count(error)
            return nil
        }
    }

    // MARK: - Containers

    /// Sums every process of each container.
    private func containerUsage(of processes: [ProcessSample]) -> [ContainerUsage] {
        var indexByID: [String: Int] = [:]
        var containers: [ContainerUsage] = []
        for process in processes {
            guard let container = process.container else { continue }
            if let index = indexByID[container.id] {
                containers[index].usage.add(process)
            } else {
                indexByID[container.id] = containers.count
                var usage = ResourceTotals()
                usage.add(process)
                containers.append(ContainerUsage(container: container, usage: usage, ranks: TopRanks()))
            }
        }
        return containers
    }

    /// Ranks containers by the same three keys, and orders them by CPU.
    private func rankContainers(_ containers: inout [ContainerUsage]) {
        for list in TopList.allCases {
            let indices = selection.select(
                configuration.topN, from: containers.count,
                key: { containers[$0].value(for: list) }, tieBreaker: { Int64($0) })
            for (rank, index) in indices.enumerated() { containers[index].ranks[list] = rank + 1 }
        }
        containers.sort { ($0.value(for: .cpu) ?? 0, $1.container.id) > ($1.value(for: .cpu) ?? 0, $0.container.id) }
    }
}
