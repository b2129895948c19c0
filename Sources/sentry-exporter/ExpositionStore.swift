import CompressNIO
import NIOConcurrencyHelpers
import NIOCore

/// The latest rendered exposition, written by the scanner and read by every scrape.
///
/// A scrape only takes a reference to an already rendered buffer, so its cost does not depend
/// on the number of processes and it never waits for a scan. The gzip form is made on the first
/// request that accepts it and kept until the next scan publishes a new exposition.
final class ExpositionStore: Sendable {
    private struct Entry {
        var generation = 0
        var plain = ByteBuffer()
        var gzipped: ByteBuffer?
    }

    private let entry = NIOLockedValueBox(Entry())

    /// Replaces the exposition.
    func publish(_ exposition: [UInt8]) {
        let buffer = ByteBuffer(bytes: exposition)
        entry.withLockedValue { entry in
            entry = Entry(generation: entry.generation + 1, plain: buffer, gzipped: nil)
        }
    }

    /// The body to send and whether it is gzip-compressed (only if `acceptsGzip` and compression
    /// worked).
    func body(acceptsGzip: Bool) -> (body: ByteBuffer, isGzipped: Bool) {
        let current = entry.withLockedValue { $0 }
        guard acceptsGzip else { return (current.plain, false) }
        if let gzipped = current.gzipped { return (gzipped, true) }
        // Compress outside the lock so concurrent plain scrapes are not held up.
        var input = current.plain
        guard let gzipped = try? input.compress(with: .gzip()) else { return (current.plain, false) }
        entry.withLockedValue { entry in
            if entry.generation == current.generation { entry.gzipped = gzipped }
        }
        return (gzipped, true)
    }
}
