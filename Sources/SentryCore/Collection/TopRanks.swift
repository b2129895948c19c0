/// The three Top N lists a process (or container) can be in.
public enum TopList: String, CaseIterable, Sendable {
    /// By CPU percent over the last interval.
    case cpu
    /// By resident memory.
    case memory
    /// By storage bytes read plus written per second.
    case io
}

/// Where an item stands in each Top N list: a 1-based rank, or nil if it is not in that list.
public struct TopRanks: Equatable, Sendable {
    public var cpu: Int?
    public var memory: Int?
    public var io: Int?

    public init(cpu: Int? = nil, memory: Int? = nil, io: Int? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.io = io
    }

    /// True if the item is in at least one list (a process may also be exported held in none,
    /// `ProcessSample.isHeld`).
    public var isSelected: Bool { cpu != nil || memory != nil || io != nil }

    public subscript(list: TopList) -> Int? {
        get {
            switch list {
            case .cpu: cpu
            case .memory: memory
            case .io: io
            }
        }
        set {
            switch list {
            case .cpu: cpu = newValue
            case .memory: memory = newValue
            case .io: io = newValue
            }
        }
    }
}

extension ProcessSample {
    /// The key this process is ranked by in `list`.
    func value(for list: TopList) -> Double? {
        switch list {
        case .cpu: totalCPUPercent
        case .memory: Double(residentBytes)
        case .io: ioBytesPerSecond
        }
    }
}

extension ContainerUsage {
    /// The key a container is ranked by in `list`. By CPU, the cgroup's accounting where it was
    /// read (it holds exited processes' CPU exactly), else its processes' own and children's.
    func value(for list: TopList) -> Double? {
        switch list {
        case .cpu: cgroupCPUPercent ?? usage.totalCPUPercent
        case .memory: Double(usage.residentBytes)
        case .io: usage.readBytesPerSecond + usage.writeBytesPerSecond
        }
    }
}
