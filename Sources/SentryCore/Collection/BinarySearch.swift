extension RandomAccessCollection {
    /// The first index whose element is not `isBefore`, found by binary search; `endIndex` if
    /// every element is. The collection must be partitioned: every element that is `isBefore`
    /// comes first (as in a collection sorted by the key `isBefore` compares).
    func partitionPoint(where isBefore: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if isBefore(self[middle]) {
                low = index(after: middle)
                count -= half + 1
            } else {
                count = half
            }
        }
        return low
    }
}
