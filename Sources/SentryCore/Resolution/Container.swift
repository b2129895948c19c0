/// The container a process runs in, recognised from its cgroup path.
///
/// Every runtime names the container's cgroup after the container's 64-hex-digit ID; only the
/// decoration differs (`docker-<id>.scope`, `cri-containerd-<id>.scope`, `…:cri-containerd:<id>`,
/// `crio-<id>`, `libpod-<id>.scope/container`, a bare `<id>`). So the path is searched from its
/// last component upwards for the first component that, once undecorated, is such an ID, as
/// Falco, OpenTelemetry and cAdvisor do, rather than matched against one pattern per runtime.
public struct Container: Hashable, Sendable {
    /// The full ID: 64 lowercase hexadecimal digits, joinable with cAdvisor's and the runtime's.
    public let id: String
    /// The Kubernetes pod UID (with dashes) when the path has one, as in `kubepods-…-pod<uid>.slice`.
    public let podUID: String?
    /// The runtime the decoration points to.
    public let runtime: ContainerRuntime

    public init(id: String, podUID: String? = nil, runtime: ContainerRuntime) {
        self.id = id
        self.podUID = podUID
        self.runtime = runtime
    }

    /// The first 12 digits, as `docker ps` shows them.
    public var shortID: Substring { id.prefix(12) }

    /// The container named by a `/proc/<pid>/cgroup` file, or nil for a host process.
    ///
    /// The cgroup v2 line (`0::<path>`) is tried first, then the v1 lines in file order; the
    /// path is everything after the second colon, since the path itself may contain colons.
    public init?(cgroupFile bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        let paths = text.split(separator: "\n").compactMap { line -> (isUnified: Bool, path: Substring)? in
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { return nil }
            return (fields[0] == "0" && fields[1].isEmpty, fields[2])
        }
        let ordered = paths.filter(\.isUnified) + paths.filter { !$0.isUnified }
        guard let container = ordered.lazy.compactMap({ Container(cgroupPath: $0.path) }).first else { return nil }
        self = container
    }

    /// The container named by one cgroup path, or nil if the path names none.
    public init?(cgroupPath path: Substring) {
        let components = path.split(separator: "/")
        for component in components.reversed() {
            // systemd mount units and conmon (the podman/CRI-O monitor, a host process) sit
            // beside containers with the container's ID in their names.
            if component.hasSuffix(".mount") || component.contains("-conmon-") { continue }
            guard let (id, decoration) = Self.undecorate(component) else { continue }
            self.id = String(id)
            self.podUID = Self.podUID(in: path)
            self.runtime = ContainerRuntime(decoration: decoration, path: path)
            return
        }
        return nil
    }

    /// The ID inside one path component and the prefix it was decorated with, if it holds one.
    ///
    /// `<prefix>:cri-containerd:<id>` keeps the ID after the last colon; otherwise the ID is
    /// between the last `-` and the first `.` after it (`crio-<id>.scope`, `<id>`).
    private static func undecorate(_ component: Substring) -> (id: Substring, decoration: Substring)? {
        let id: Substring
        let decoration: Substring
        if let colon = component.lastIndex(of: ":") {
            id = component[component.index(after: colon)...]
            decoration = component[..<colon]
        } else {
            let afterDash = component.lastIndex(of: "-").map { component.index(after: $0) } ?? component.startIndex
            let tail = component[afterDash...]
            id = tail.firstIndex(of: ".").map { tail[..<$0] } ?? tail
            decoration = component[..<afterDash]
        }
        return isContainerID(id) ? (id, decoration) : nil
    }

    private static func isContainerID(_ text: Substring) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// The pod UID after `pod` in a Kubernetes path: dashes in cgroupfs paths
    /// (`pod<8>-<4>-<4>-<4>-<12>`), underscores in systemd slice names.
    private static func podUID(in path: Substring) -> String? {
        let utf8 = Array(path.utf8)
        let groups = [8, 4, 4, 4, 12]
        let length = 36
        var start = 0
        while start + 3 + length <= utf8.count {
            defer { start += 1 }
            guard utf8[start] == UInt8(ascii: "p"), utf8[start + 1] == UInt8(ascii: "o"),
                utf8[start + 2] == UInt8(ascii: "d")
            else { continue }
            var uid: [UInt8] = []
            var index = start + 3
            var valid = true
            for (groupIndex, groupLength) in groups.enumerated() where valid {
                if groupIndex > 0 {
                    valid = utf8[index] == UInt8(ascii: "-") || utf8[index] == UInt8(ascii: "_")
                    uid.append(UInt8(ascii: "-"))
                    index += 1
                }
                for _ in 0..<groupLength where valid {
                    valid = ByteCursor.hexadecimalValue(utf8[index]) != nil
                    uid.append(utf8[index] | 0x20)  // lower-case
                    index += 1
                }
            }
            if valid { return String(decoding: uid, as: UTF8.self) }
        }
        return nil
    }
}

/// The container runtime a cgroup path points to, as far as the path tells.
public enum ContainerRuntime: String, Sendable {
    case docker, containerd, crio, podman
    /// A Kubernetes container whose path names no runtime (cgroupfs driver: `/kubepods/…/<id>`).
    case kubernetes
    /// A bare ID with no telling ancestor.
    case unknown

    init(decoration: Substring, path: Substring) {
        if decoration.hasSuffix("cri-containerd") || decoration.hasSuffix("containerd-") {
            self = .containerd
        } else if decoration.hasSuffix("crio-") {
            self = .crio
        } else if decoration.hasSuffix("libpod-") {
            self = .podman
        } else if decoration.hasSuffix("docker-") || path.contains("/docker/") || path.hasPrefix("docker/") {
            self = .docker
        } else if path.contains("kubepods") {
            self = .kubernetes
        } else {
            self = .unknown
        }
    }
}
