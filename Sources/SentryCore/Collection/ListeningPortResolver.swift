/// Finds the ports a few processes listen on, by matching the socket inodes of their open
/// descriptors against the listening sockets of their network namespace.
///
/// Walking descriptor tables is the expensive part, so it is done only for the processes asked
/// about (the selected ones), never for every process. Socket tables are read once per network
/// namespace, through a member process's own `net/` directory: `/proc/net` would show only the
/// collector's namespace, not a container's.
struct ListeningPortResolver {
    let procFS: ProcFS
    let maximumPerProcess: Int
    /// Processes whose namespace or descriptors this user may not inspect.
    private(set) var deniedCount = 0

    init(procFS: ProcFS, maximumPerProcess: Int) {
        self.procFS = procFS
        self.maximumPerProcess = maximumPerProcess
    }

    /// The listening ports of each of `pids` that has any, lowest first, at most
    /// `maximumPerProcess` each.
    mutating func resolve(_ pids: [Int32]) -> [Int32: [ListeningPort]] {
        var pidsByNamespace: [UInt64: [Int32]] = [:]
        for pid in pids {
            guard let namespace = networkNamespace(of: pid) else { continue }
            pidsByNamespace[namespace, default: []].append(pid)
        }
        var result: [Int32: [ListeningPort]] = [:]
        for members in pidsByNamespace.values {
            let sockets = listeningSockets(readVia: members)
            guard !sockets.isEmpty else { continue }
            for pid in members {
                let ports = ports(of: pid, among: sockets)
                if !ports.isEmpty { result[pid] = ports }
            }
        }
        return result
    }

    /// The inode of `<pid>/ns/net` (`net:[4026531992]`).
    private mutating func networkNamespace(of pid: Int32) -> UInt64? {
        do {
            return Self.bracketedNumber(in: try procFS.readLink(ProcPath(pid: pid, "ns/net")), after: "net:[")
        } catch {
            if error == .permissionDenied { deniedCount += 1 }
            return nil
        }
    }

    /// Listening sockets by inode, read through the first member whose tables are readable.
    private func listeningSockets(readVia members: [Int32]) -> [UInt64: ListeningPort] {
        for pid in members {
            var sockets: [UInt64: ListeningPort] = [:]
            var readable = true
            for kind in SocketTable.Kind.allCases {
                do {
                    SocketTable.forEachListeningSocket(in: try procFS.read(pid: pid, kind.file), kind: kind) {
                        sockets[$0] = ListeningPort(kind: kind, port: $1)
                    }
                } catch {
                    // IPv6 or UDP tables are absent on some kernels; only a vanished member
                    // sends us to the next one.
                    if error == .vanished { readable = false }
                }
            }
            if readable { return sockets }
        }
        return [:]
    }

    private mutating func ports(of pid: Int32, among sockets: [UInt64: ListeningPort]) -> [ListeningPort] {
        var found = Set<ListeningPort>()
        do {
            try procFS.forEachNumericEntry(pid: pid, "fd") { fd in
                var path = ProcPath(pid: pid, "fd/")
                path.append(fd)
                guard let target = try? procFS.readLink(path),
                    let inode = Self.bracketedNumber(in: target, after: "socket:["),
                    let port = sockets[inode]
                else { return }
                found.insert(port)
            }
        } catch {
            if error == .permissionDenied { deniedCount += 1 }
        }
        return Array(found.sorted().prefix(maximumPerProcess))
    }

    /// The decimal number in a link target of the form `<prefix><number>]`.
    private static func bracketedNumber(in target: UnsafeRawBufferPointer, after prefix: StaticString) -> UInt64? {
        var cursor = ByteCursor(target)
        guard cursor.consume(prefix), let number = cursor.readDecimal(), cursor.consume("]") else { return nil }
        return number
    }
}
