import Dispatch
import Glibc

/// Calls a handler once on the first SIGTERM or SIGINT, instead of the default of dying at once.
final class ShutdownSignals: @unchecked Sendable {
    // Immutable after init; the sources deliver on a serial queue.
    private var sources: [DispatchSourceSignal] = []

    init(_ handler: @escaping @Sendable (String) -> Void) {
        let queue = DispatchQueue(label: "proc-sentry.signals")
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                // A second signal while shutting down is ignored; the deadline still applies.
                for source in self.sources { source.cancel() }
                handler(name)
            }
            source.activate()
            sources.append(source)
        }
    }
}
