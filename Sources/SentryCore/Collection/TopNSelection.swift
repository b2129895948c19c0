/// Chooses the N items with the greatest key ("sort, then select") without sorting them all.
///
/// A bounded min-heap keeps the best N seen so far, so choosing from K items costs
/// O(K log N) rather than a full O(K log K) sort. Items whose key is nil or not positive are not
/// candidates: a process that used no CPU in the interval is not a top CPU consumer, however
/// many places are free. Equal keys are ordered by the smaller tie-breaker (the PID) first, so
/// the result does not depend on listing order.
///
/// The heap's storage is kept between calls, so selecting allocates only the returned array.
public struct TopNSelection {
    private var heap: [Candidate] = []

    private struct Candidate {
        var key: Double
        var tieBreaker: Int64
        var index: Int

        /// True if `self` ranks before `other`.
        func outranks(_ other: Candidate) -> Bool {
            key > other.key || (key == other.key && tieBreaker < other.tieBreaker)
        }
    }

    public init() {}

    /// The indices in `0..<count` of the (at most) `n` best items, best first.
    ///
    /// - Parameters:
    ///   - key: the value to rank by; nil or non-positive excludes the item.
    ///   - tieBreaker: orders items with equal keys, smaller first.
    public mutating func select(
        _ n: Int, from count: Int, key: (Int) -> Double?, tieBreaker: (Int) -> Int64
    ) -> [Int] {
        heap.removeAll(keepingCapacity: true)
        guard n > 0 else { return [] }
        for index in 0..<count {
            guard let value = key(index), value > 0, value.isFinite else { continue }
            let candidate = Candidate(key: value, tieBreaker: tieBreaker(index), index: index)
            if heap.count < n {
                heap.append(candidate)
                siftUp(heap.count - 1)
            } else if candidate.outranks(heap[0]) {
                heap[0] = candidate
                siftDown(0)
            }
        }
        heap.sort { $0.outranks($1) }
        return heap.map(\.index)
    }

    // The root is the worst kept candidate: every parent is outranked by its children.

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[parent].outranks(heap[child]) else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var worst = left
            let right = left + 1
            if right < heap.count, heap[left].outranks(heap[right]) { worst = right }
            guard heap[parent].outranks(heap[worst]) else { return }
            heap.swapAt(parent, worst)
            parent = worst
        }
    }
}
