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
    /// Every process's file is parsed on its first scan, so this works on the bytes and
    /// allocates only for a container found (host processes cost no allocation at all).
    public init?(cgroupFile bytes: UnsafeRawBufferPointer) {
        for pass in 0..<2 {
            let wantsUnified = pass == 0
            var found: Container?
            Self.forEachLine(of: bytes) { line in
                guard line.isUnified == wantsUnified else { return true }
                found = Container(path: line.path, in: bytes)
                return found == nil
            }
            if let found {
                self = found
                return
            }
        }
        return nil
    }

    /// The container named by one cgroup path, or nil if the path names none.
    public init?(cgroupPath path: Substring) {
        var path = path
        guard let container = path.withUTF8({ Container(path: 0..<$0.count, in: UnsafeRawBufferPointer($0)) }) else {
            return nil
        }
        self = container
    }

    /// One `hierarchy-ID:controllers:path` line of a `/proc/<pid>/cgroup` file, as ranges of its bytes.
    struct Line {
        /// Whether this is the unified (v2) hierarchy's line, `0::<path>`.
        var isUnified: Bool
        /// The comma-separated controllers of a v1 hierarchy (`cpu,cpuacct`); empty for v2.
        var controllers: Range<Int>
        /// Everything after the second colon, since the path itself may contain colons.
        var path: Range<Int>
    }

    /// Calls `body` with each well-formed line of a cgroup file, in file order, while it returns true.
    static func forEachLine(of bytes: UnsafeRawBufferPointer, _ body: (Line) -> Bool) {
        var lineStart = 0
        while lineStart < bytes.count {
            let lineEnd = firstIndex(of: UInt8(ascii: "\n"), in: bytes, lineStart..<bytes.count) ?? bytes.count
            defer { lineStart = lineEnd + 1 }
            guard let first = firstIndex(of: UInt8(ascii: ":"), in: bytes, lineStart..<lineEnd),
                let second = firstIndex(of: UInt8(ascii: ":"), in: bytes, first + 1..<lineEnd)
            else { continue }
            let isUnified = first == lineStart + 1 && bytes[lineStart] == UInt8(ascii: "0") && second == first + 1
            guard body(Line(isUnified: isUnified, controllers: first + 1..<second, path: second + 1..<lineEnd)) else { return }
        }
    }

    /// Searches `path` from its last component upwards for one that holds a container ID.
    private init?(path: Range<Int>, in bytes: UnsafeRawBufferPointer) {
        var end = path.upperBound
        while end > path.lowerBound {
            let start = (Self.lastIndex(of: UInt8(ascii: "/"), in: bytes, path.lowerBound..<end)).map { $0 + 1 } ?? path.lowerBound
            defer { end = start - 1 }
            let component = start..<end
            // systemd mount units and conmon (the podman/CRI-O monitor, a host process) sit
            // beside containers with the container's ID in their names.
            if component.isEmpty || Self.hasSuffix(".mount", component, in: bytes)
                || Self.contains("-conmon-", component, in: bytes)
            {
                continue
            }
            guard let (id, decoration) = Self.undecorate(component, in: bytes) else { continue }
            let text = { (range: Range<Int>) in String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
            let pathText = Substring(text(path))
            self.id = text(id)
            self.podUID = Self.podUID(in: pathText)
            self.runtime = ContainerRuntime(decoration: Substring(text(decoration)), path: pathText)
            return
        }
        return nil
    }

    /// The ID inside one path component and the prefix it was decorated with, if it holds one.
    ///
    /// `<prefix>:cri-containerd:<id>` keeps the ID after the last colon; otherwise the ID is
    /// between the last `-` and the first `.` after it (`crio-<id>.scope`, `<id>`).
    private static func undecorate(_ component: Range<Int>, in bytes: UnsafeRawBufferPointer)
        -> (id: Range<Int>, decoration: Range<Int>)?
    {
        let id: Range<Int>
        let decoration: Range<Int>
        if let colon = lastIndex(of: UInt8(ascii: ":"), in: bytes, component) {
            id = colon + 1..<component.upperBound
            decoration = component.lowerBound..<colon
        } else {
            let afterDash = lastIndex(of: UInt8(ascii: "-"), in: bytes, component).map { $0 + 1 } ?? component.lowerBound
            let dot = firstIndex(of: UInt8(ascii: "."), in: bytes, afterDash..<component.upperBound)
            id = afterDash..<(dot ?? component.upperBound)
            decoration = component.lowerBound..<afterDash
        }
        return isContainerID(id, in: bytes) ? (id, decoration) : nil
    }

    private static func isContainerID(_ range: Range<Int>, in bytes: UnsafeRawBufferPointer) -> Bool {
        range.count == 64 && bytes[range].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    private static func firstIndex(of byte: UInt8, in bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        range.first { bytes[$0] == byte }
    }

    private static func lastIndex(of byte: UInt8, in bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        range.reversed().first { bytes[$0] == byte }
    }

    private static func hasSuffix(_ suffix: StaticString, _ range: Range<Int>, in bytes: UnsafeRawBufferPointer) -> Bool {
        let count = suffix.utf8CodeUnitCount
        return range.count >= count && matches(suffix, at: range.upperBound - count, in: bytes)
    }

    private static func contains(_ needle: StaticString, _ range: Range<Int>, in bytes: UnsafeRawBufferPointer) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard range.count >= count else { return false }
        return (range.lowerBound...range.upperBound - count).contains { matches(needle, at: $0, in: bytes) }
    }

    private static func matches(_ needle: StaticString, at offset: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
        (0..<needle.utf8CodeUnitCount).allSatisfy { bytes[offset + $0] == needle.utf8Start[$0] }
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
