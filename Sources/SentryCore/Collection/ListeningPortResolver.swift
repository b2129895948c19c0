/// Finds the ports a few processes listen on, by matching the socket inodes of their open
/// descriptors against the listening sockets of their network namespace.
///
/// The collector's own process is skipped: it keeps two descriptors open per scanned process,
/// so walking its table would cost more than the rest of the scan (its port is its own flag).
///
/// Walking descriptor tables is done only for the processes asked about (the selected ones),
/// never for every process. Socket tables are read through a member process's own `net/`
/// directory, since `/proc/net` shows only the collector's namespace, not a container's.
///
/// Reading `net/tcp` makes the kernel walk the whole established-connection hash table, so the
/// collector's own namespace gets its TCP listeners from `SocketDiagnostics` instead (falling
/// back to the files where netlink is unavailable), and a namespace's tables are kept between
/// scans and read again only when a member holds a socket the last read did not see, or when
/// they are older than `maximumTableAge`. The age bounds how late a socket shows up that was
/// already open, but not yet listening, at the last read.
///
/// Walking a descriptor table costs a `readlink` per descriptor, so a table of more than
/// `largeTable` descriptors is walked again only after `maximumWalkAge`: another proc-sentry on
/// the node keeps two per process (6,000 at 3,000 processes, and it is often among the top CPU
/// users), and a busy proxy one per connection. A socket such a process opens shows up that
/// much later; a process first seen is walked at once.
struct ListeningPortResolver {
    let procFS: ProcFS
    let maximumPerProcess: Int
    /// Seconds after which a namespace's tables are read again even if no new socket appeared.
    let maximumTableAge: Double
    /// Descriptor tables larger than this are walked at most every `maximumWalkAge` seconds.
    static let largeTable = 256
    let maximumWalkAge: Double
    /// The collector's own network namespace, whose TCP listeners netlink lists; nil on a
    /// fixture tree.
    private let ownNamespace: UInt64?
    /// Processes whose namespace or descriptors the last `resolve` could not inspect.
    private(set) var deniedCount = 0
    private var tables: [UInt64: NamespaceTables] = [:]
    /// The last walk of each large descriptor table asked about.
    private var largeWalks: [Int32: Walk] = [:]

    /// The socket inodes of a large descriptor table, and when it was walked.
    private struct Walk {
        var process: ProcessIdentity
        var sockets: [UInt64]
        var walkedAt: Double
    }

    /// One network namespace's listening sockets, and every socket its members held when read.
    private struct NamespaceTables {
        var listening: [UInt64: ListeningPort]
        var socketsAtRead: Set<UInt64>
        var readAt: Double
    }

    /// A process asked about, with the socket inodes of its descriptors.
    private struct Member {
        var pid: Int32
        var sockets: [UInt64]
    }

    init(procFS: ProcFS, maximumPerProcess: Int, maximumTableAge: Double = 60, maximumWalkAge: Double = 10) {
        self.procFS = procFS
        self.maximumPerProcess = maximumPerProcess
        self.maximumTableAge = maximumTableAge
        self.maximumWalkAge = maximumWalkAge
        ownNamespace = procFS.selfPID.flatMap { try? Self.networkNamespace(of: $0, in: procFS) }
    }

    /// The listening ports of each of `processes` that has any, lowest first, at most
    /// `maximumPerProcess` each. `now` is in seconds on a monotonic clock (the scan's).
    mutating func resolve(_ processes: [ProcessIdentity], now: Double) -> [Int32: [ListeningPort]] {
        deniedCount = 0
        var membersByNamespace: [UInt64: [Member]] = [:]
        var currentWalks: [Int32: Walk] = [:]
        for process in processes where process.pid != procFS.selfPID {
            let pid = process.pid
            guard let namespace = networkNamespace(of: pid), let sockets = sockets(of: process, now: now, keeping: &currentWalks),
                !sockets.isEmpty
            else {
                continue
            }
            membersByNamespace[namespace, default: []].append(Member(pid: pid, sockets: sockets))
        }
        // Like the tables below, only the walks of processes asked about this time are kept.
        largeWalks = currentWalks

        var current: [UInt64: NamespaceTables] = [:]
        var result: [Int32: [ListeningPort]] = [:]
        for (namespace, members) in membersByNamespace {
            let held = Set(members.lazy.flatMap(\.sockets))
            let namespaceTables: NamespaceTables
            if let known = tables[namespace], now - known.readAt < maximumTableAge, held.isSubset(of: known.socketsAtRead) {
                namespaceTables = known
            } else {
                guard let listening = listeningSockets(of: namespace, readVia: members) else { continue }
                namespaceTables = NamespaceTables(listening: listening, socketsAtRead: held, readAt: now)
            }
            current[namespace] = namespaceTables
            for member in members {
                let ports = Set(member.sockets.compactMap { namespaceTables.listening[$0] })
                if !ports.isEmpty { result[member.pid] = Array(ports.sorted().prefix(maximumPerProcess)) }
            }
        }
        // Namespaces with no member asked about this time are forgotten, so the cache stays
        // bounded by the selected processes.
        tables = current
        return result
    }

    /// The inode of `<pid>/ns/net` (`net:[4026531992]`).
    private mutating func networkNamespace(of pid: Int32) -> UInt64? {
        do {
            return try Self.networkNamespace(of: pid, in: procFS)
        } catch {
            if error == .permissionDenied { deniedCount += 1 }
            return nil
        }
    }

    private static func networkNamespace(of pid: Int32, in procFS: ProcFS) throws(ReadFailure) -> UInt64? {
        try procFS.readLink(ProcPath(pid: pid, "ns/net")) { bracketedNumber(in: $0, after: "net:[") }
    }

    /// The socket inodes of `process`'s descriptors; nil if they cannot be listed. A large table
    /// is walked only if its last walk is older than `maximumWalkAge`; its walk goes into `walks`.
    private mutating func sockets(of process: ProcessIdentity, now: Double, keeping walks: inout [Int32: Walk]) -> [UInt64]? {
        let pid = process.pid
        if let last = largeWalks[pid], last.process == process, now - last.walkedAt < maximumWalkAge {
            walks[pid] = last
            return last.sockets
        }
        var sockets: [UInt64] = []
        var descriptors = 0
        do {
            try procFS.forEachNumericEntry(pid: pid, "fd") { fd in
                descriptors += 1
                var path = ProcPath(pid: pid, "fd/")
                path.append(fd)
                if let inode = try? procFS.readLink(path, { Self.bracketedNumber(in: $0, after: "socket:[") }) {
                    sockets.append(inode)
                }
            }
            if descriptors > Self.largeTable { walks[pid] = Walk(process: process, sockets: sockets, walkedAt: now) }
            return sockets
        } catch {
            if error == .permissionDenied { deniedCount += 1 }
            return nil
        }
    }

    /// Listening sockets by inode, read through the first member whose tables are readable;
    /// nil if every member vanished.
    private func listeningSockets(of namespace: UInt64, readVia members: [Member]) -> [UInt64: ListeningPort]? {
        var fromNetlink: [UInt64: ListeningPort] = [:]
        let kindsFromNetlink = namespace == ownNamespace ? Self.addOwnTCPListeners(to: &fromNetlink) : []
        for member in members {
            var sockets = fromNetlink
            var readable = true
            for kind in SocketTable.Kind.allCases where !kindsFromNetlink.contains(kind) {
                do {
                    try procFS.read(pid: member.pid, kind.file) { table in
                        SocketTable.forEachListeningSocket(in: table, kind: kind) { sockets[$0] = ListeningPort(kind: kind, port: $1) }
                    }
                } catch {
                    // IPv6 or UDP tables are absent on some kernels; only a vanished member
                    // sends us to the next one.
                    if error == .vanished { readable = false }
                }
            }
            if readable { return sockets }
        }
        return nil
    }

    /// Adds the TCP listeners of the collector's own namespace, from sock_diag, to `sockets`;
    /// returns the kinds listed. A dump that fails adds nothing, and its table is read from the
    /// files instead.
    private static func addOwnTCPListeners(to sockets: inout [UInt64: ListeningPort]) -> Set<SocketTable.Kind> {
        var listed: Set<SocketTable.Kind> = []
        for kind in [SocketTable.Kind.tcp, .tcp6] {
            var dumped: [UInt64: ListeningPort] = [:]
            guard (try? SocketDiagnostics.forEachListeningSocket(kind) { dumped[$0] = ListeningPort(kind: kind, port: $1) }) != nil
            else { continue }
            sockets.merge(dumped) { first, _ in first }
            listed.insert(kind)
        }
        return listed
    }

    /// The decimal number in a link target of the form `<prefix><number>]`.
    private static func bracketedNumber(in target: UnsafeRawBufferPointer, after prefix: StaticString) -> UInt64? {
        var cursor = ByteCursor(target)
        guard cursor.consume(prefix), let number = cursor.readDecimal(), cursor.consume("]") else { return nil }
        return number
    }
}
