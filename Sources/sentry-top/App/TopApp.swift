import Glibc
import SentryCore

/// The interactive loop: refresh on the interval, draw, wait for a key, act on it.
final class TopApp {
    private let source: any TopDataSource
    private let terminal: NcursesTerminal
    private var state: TopState
    private let iterations: Int?
    private var data = TopData.empty

    /// The first refresh has no earlier scan to compute rates from; the second comes this soon.
    private static let primingDelay = 0.5

    init(source: any TopDataSource, state: TopState, terminal: NcursesTerminal, iterations: Int?) {
        self.source = source
        self.state = state
        self.terminal = terminal
        self.iterations = iterations
        self.state.isLocal = source.isLocal
    }

    func run() {
        let clock = ContinuousClock()
        var nextRefresh = clock.now
        var refreshes = 0
        while true {
            if state.refreshesPeriodically || refreshes == 0, clock.now >= nextRefresh {
                refresh()
                refreshes += 1
                let delay = refreshes == 1 ? min(state.delay, Self.primingDelay) : state.delay
                nextRefresh = clock.now + .milliseconds(Int(delay * 1000))
            }
            let (width, height) = terminal.size
            let layout = TopLayout(
                width: width, height: height, cpuCount: data.header.perCPUBusy.count, tab: state.tab, tabs: state.tabs,
                isFleet: state.showsFleet)
            state.viewportRows = layout.tableRows
            terminal.draw(TopView.render(state, data, width: width, height: height))
            if let iterations, refreshes >= iterations { return }

            let wait = state.refreshesPeriodically ? max(Int((nextRefresh - clock.now) / .milliseconds(1)), 0) : 1000
            guard let key = terminal.nextKey(timeout: wait), key != .resize,
                let action = KeyMap.action(for: key, state: state, layout: layout)
            else { continue }
            switch state.apply(action, data: data) {
            case .redraw:
                break
            case .refresh:
                refresh()
                nextRefresh = clock.now + .milliseconds(Int(state.delay * 1000))
            case .jump(let instant):
                state.show(instant, now: SystemClock.seconds(CLOCK_REALTIME))
                refresh()
                nextRefresh = clock.now + .milliseconds(Int(state.delay * 1000))
            case .loadDetails(let pid):
                state.details = source.details(pid: pid)
            case .sendSignal(let row, let signal):
                state.message = send(signal, to: row)
            case .quit:
                return
            }
        }
    }

    private func refresh() {
        switch source.refresh(state.frameRequest) {
        case .success(let fresh):
            data = fresh
            if !fresh.warnings.isEmpty { state.message = "Prometheus warns: " + fresh.warnings.joined(separator: "; ") }
        case .failure(let error):
            state.message = error.message
        }
        state.reconcile(with: data)
    }

    /// Sends `signal` if the process shown is still the one running under that PID.
    private func send(_ signal: SignalChoice, to row: ProcessRow) -> String {
        let name = TextWidth.printable(row.name)
        guard data.processes.contains(where: { $0.id == row.id }) else {
            return "Process \(row.pid) (\(name)) has exited; no signal sent."
        }
        if kill(row.pid, signal.number) == 0 {
            return "Sent \(signal.name) to \(row.pid) (\(name))."
        }
        switch errno {
        case EPERM: return "Not permitted to send \(signal.name) to \(row.pid) (\(name)): it belongs to \(row.user)."
        case ESRCH: return "Process \(row.pid) (\(name)) has exited; no signal sent."
        default: return "Cannot send \(signal.name) to \(row.pid): \(String(cString: strerror(errno)))."
        }
    }
}
