import Glibc

/// The CPU time the kernel charges to each container's cgroup. Unlike the sum over the
/// container's live processes, it holds every process that ran in the container and exited, so
/// a container whose work is short-lived processes (a build, a CI job) shows all of it.
///
/// The cgroup filesystem is looked for once, at `<sysfs>/fs/cgroup` (`--path.sysfs`). A
/// container's cgroup comes from the `cgroup` file of its first process seen, which the collector
/// reads anyway to find the container: the unified (v2) line's path, where a v2 hierarchy is
/// mounted (at the root, or at `unified` on a hybrid host) and that path names the container,
/// read for `cpu.stat`'s `usage_usec`; else the path of the v1 line with the `cpuacct`
/// controller, read for `cpuacct.usage`. The path is cut after the component that holds the
/// container's ID, so a container's sub-cgroups (`libpod-<id>.scope/container`) count in it.
/// A path outside the reader's cgroup namespace (`/../…`) is not followed.
///
/// One file is read per container and scan. An instance is confined to the collector's thread.
final class ContainerCPUAccounting {
    /// A container's accounting file, relative to the cgroup filesystem's root.
    struct Source: Equatable {
        var path: String
        /// `cpu.stat` (cgroup v2) rather than `cpuacct.usage` (v1).
        var isUnified: Bool
    }

    /// The cgroup filesystem, nil if `<sysfs>/fs/cgroup` cannot be opened.
    private let files: ProcFS?
    /// The v2 hierarchy's directory below the root, "" or "unified/"; nil if none is mounted.
    private let unifiedDirectory: String?
    /// The v1 `cpuacct` hierarchy's directory below the root; nil if none is mounted.
    private let cpuacctDirectory: String?
    /// By container ID; a container whose processes' `cgroup` named no accounting has none.
    private var sources: [String: Source] = [:]
    /// The last reading of each container's accounting, in nanoseconds, and when it was taken
    /// (seconds since boot).
    private var readings: [String: (nanoseconds: UInt64, readAt: Double)] = [:]

    /// Looks for the cgroup hierarchies under `<sysRoot>/fs/cgroup`.
    init(sysRoot: String) {
        let root = sysRoot + "/fs/cgroup"
        files = try? ProcFS(root: root)
        func exists(_ path: String) -> Bool { access(root + "/" + path, F_OK) == 0 }
        unifiedDirectory = ["", "unified/"].first { exists($0 + "cgroup.controllers") }
        cpuacctDirectory = ["cpuacct/", "cpu,cpuacct/", "cpuacct,cpu/"].first { exists($0 + "cpuacct.usage") }
    }

    /// Whether any hierarchy with CPU accounting was found.
    var isAvailable: Bool { files != nil && (unifiedDirectory != nil || cpuacctDirectory != nil) }

    /// Notes where `container`'s accounting is, from one of its processes' `cgroup` file, unless
    /// known already.
    func locate(_ container: Container, cgroupFile bytes: UnsafeRawBufferPointer) {
        guard sources[container.id] == nil, let source = source(of: container.id, cgroupFile: bytes) else { return }
        sources[container.id] = source
    }

    /// The accounting file of the container `id` named by a `cgroup` file, if any.
    func source(of id: String, cgroupFile bytes: UnsafeRawBufferPointer) -> Source? {
        var unified: Source?
        var cpuacct: Source?
        Container.forEachLine(of: bytes) { line in
            if line.isUnified, let directory = unifiedDirectory {
                unified = Self.cgroup(of: id, path: line.path, in: bytes).map {
                    Source(path: directory + $0 + "/cpu.stat", isUnified: true)
                }
            } else if !line.isUnified, let directory = cpuacctDirectory,
                Self.names("cpuacct", among: line.controllers, in: bytes)
            {
                cpuacct = Self.cgroup(of: id, path: line.path, in: bytes).map {
                    Source(path: directory + $0 + "/cpuacct.usage", isUnified: false)
                }
            }
            return true
        }
        return unified ?? cpuacct
    }

    /// Sets each container's cgroup CPU seconds, and its CPU percent over the time since its
    /// previous reading (from the second reading on), and forgets containers no longer there.
    ///
    /// A container whose accounting cannot be read keeps nil for both and is counted in
    /// `unreadable`: `.vanished` when there is none (no hierarchy with CPU accounting, no path
    /// naming the container, or no such file).
    func update(
        _ containers: inout [ContainerUsage], clock: any ScanClock, rates: RateContext,
        unreadable: inout UnreadableCounts
    ) {
        var current: [String: (nanoseconds: UInt64, readAt: Double)] = [:]
        current.reserveCapacity(containers.count)
        for index in containers.indices {
            let id = containers[index].container.id
            guard let files, let source = sources[id] else {
                unreadable.count(.vanished)
                continue
            }
            let usage: CgroupCPUUsage
            do {
                let parse = source.isUnified ? CgroupCPUUsage.parseCPUStat : CgroupCPUUsage.parseCPUAcctUsage
                guard let parsed = try files.read(relativePath: source.path, shape: .oneRecord, parse) else {
                    unreadable.count(.malformed)
                    continue
                }
                usage = parsed
            } catch {
                unreadable.count(error)
                continue
            }
            let readAt = clock.sinceBoot()
            current[id] = (usage.nanoseconds, readAt)
            containers[index].cgroupCPUSeconds = Double(usage.nanoseconds) / 1e9
            if let last = readings[id], readAt > last.readAt {
                let seconds = Double(usage.nanoseconds.subtractingSaturated(last.nanoseconds)) / 1e9
                containers[index].cgroupCPUPercent = rates.percent(seconds: seconds, over: readAt - last.readAt)
            }
        }
        readings = current
        let present = Set(containers.map(\.container.id))
        sources = sources.filter { present.contains($0.key) }
    }

    /// The cgroup in `path` that names the container `id`, without the leading `/`: the path up
    /// to the end of the component holding the ID. Nil if no component holds it, or the path
    /// climbs out of the cgroup namespace.
    static func cgroup(of id: String, path: Range<Int>, in bytes: UnsafeRawBufferPointer) -> String? {
        let slash = UInt8(ascii: "/")
        let path = bytes[path]
        let id = Array(id.utf8)
        guard path.first == slash, !id.isEmpty, path.count > id.count,
            let match = (path.startIndex...(path.endIndex - id.count)).first(where: {
                path[$0..<($0 + id.count)].elementsEqual(id)
            })
        else { return nil }
        let end = path[(match + id.count)...].firstIndex(of: slash) ?? path.endIndex
        let cgroup = path[(path.startIndex + 1)..<end]
        guard !cgroup.split(separator: slash).contains(where: { $0.elementsEqual("..".utf8) }) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: cgroup), as: UTF8.self)
    }

    /// Whether the comma-separated `controllers` include `name`.
    private static func names(_ name: String, among controllers: Range<Int>, in bytes: UnsafeRawBufferPointer) -> Bool {
        bytes[controllers].split(separator: UInt8(ascii: ",")).contains { $0.elementsEqual(name.utf8) }
    }
}
