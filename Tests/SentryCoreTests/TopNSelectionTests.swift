import Testing
@testable import SentryCore

@Suite("Top N selection")
struct TopNSelectionTests {
    private func select(_ n: Int, _ keys: [Double?], pids: [Int64]? = nil) -> [Int] {
        var selection = TopNSelection()
        let pids = pids ?? keys.indices.map { Int64($0) }
        return selection.select(n, from: keys.count, key: { keys[$0] }, tieBreaker: { pids[$0] })
    }

    @Test("the N largest, largest first")
    func largest() {
        #expect(select(3, [5, 1, 9, 7, 3, 8]) == [2, 5, 3])
    }

    @Test("ties go to the smaller PID, whatever the listing order")
    func ties() {
        #expect(select(2, [4, 4, 4, 1], pids: [30, 10, 20, 5]) == [1, 2])
        #expect(select(4, [4, 4, 4, 1], pids: [30, 10, 20, 5]) == [1, 2, 0, 3])
    }

    @Test("N larger than the number of candidates returns them all, sorted")
    func fewerThanN() {
        #expect(select(50, [2, 3, 1]) == [1, 0, 2])
    }

    @Test("zero, negative, missing and non-finite keys are never selected")
    func notCandidates() {
        #expect(select(5, [0, nil, 3, -1, .infinity, .nan, 2]) == [2, 6])
        #expect(select(0, [1, 2]) == [])
    }

    @Test("matches a full sort on many random inputs")
    func matchesSort() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let count = Int.random(in: 0...300, using: &generator)
            let n = Int.random(in: 1...60, using: &generator)
            let keys: [Double?] = (0..<count).map { _ in Double(Int.random(in: 0...40, using: &generator)) }
            let expected = keys.indices.filter { keys[$0]! > 0 }
                .sorted { (keys[$0]!, -$0) > (keys[$1]!, -$1) }
                .prefix(n)
            #expect(select(n, keys) == Array(expected))
        }
    }
}
