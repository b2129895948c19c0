import SentryCore

/// The lines above the tabs: CPU, memory, tasks and load, and what the exporter would send.
enum HeaderView {
    static func render(_ figures: HeaderFigures, state: TopState, layout: TopLayout, into frame: inout Frame) {
        let half = layout.width / 2
        if let timeline = state.timeline {
            frame.set(0, timeLine(figures, timeline: timeline))
        } else if !layout.showsEachCPU {
            frame.set(0, bar("CPU", figures.cpuBusy, width: layout.width, label: percentLabel(figures.cpuBusy)))
        } else {
            for line in 0..<layout.cpuLines {
                var spans: [Span] = []
                for cpu in [2 * line, 2 * line + 1] where cpu < figures.perCPUBusy.count {
                    let busy = figures.perCPUBusy[cpu]
                    spans += bar(String(cpu), busy, width: half, label: percentLabel(busy))
                }
                frame.set(line, spans)
            }
        }

        let memory = figures.memory
        frame.set(
            layout.cpuLines,
            bar("Mem", memory.map { fraction($0.usedBytes, of: $0.totalBytes) }, width: half,
                label: memory.map { "\(Format.bytes($0.usedBytes))/\(Format.bytes($0.totalBytes))" } ?? Format.notAvailable)
                + bar("Swp", memory.map { fraction($0.swapUsedBytes, of: $0.swapTotalBytes) }, width: layout.width - half,
                      label: memory.map { "\(Format.bytes($0.swapUsedBytes))/\(Format.bytes($0.swapTotalBytes))" } ?? Format.notAvailable))

        let tasks = figures.processCount.map { count in
            "Tasks: \(count), \(figures.threadCount.map(String.init) ?? Format.notAvailable) thr; "
                + "\(figures.runningCount.map(String.init) ?? Format.notAvailable) running"
        } ?? "Tasks: \(Format.notAvailable)"
        let load = figures.load.map {
            "Load average: \(Format.fixed($0.one, fractionDigits: 2)) \(Format.fixed($0.five, fractionDigits: 2)) \(Format.fixed($0.fifteen, fractionDigits: 2))"
        } ?? "Load average: \(Format.notAvailable)"
        let uptime = "Uptime: " + (figures.uptime.map { Format.duration(seconds: $0) } ?? Format.notAvailable)
        frame.set(layout.cpuLines + 1, [Span("\(tasks)   \(load)   \(uptime)")])

        // Kept within 80 columns with a source URL: the scheme is implied.
        let held = figures.heldCount.map { $0 > 0 ? " (\($0) held)" : "" } ?? ""
        let exported = "Exported: \(figures.selectedCount.map(String.init) ?? Format.notAvailable) procs\(held), "
            + "\(figures.seriesCount.map(String.init) ?? Format.notAvailable) series "
            + "(top \(figures.topN.map(String.init) ?? Format.notAvailable))"
        // The node's CPU in no process's own or children's figures, as percent of one core; left
        // out rather than the source when both do not fit (an attach URL on 80 columns).
        let unattributed = "   Unattributed " + (figures.unattributedCPUPercent.map { Format.percent($0) + "%" } ?? Format.notAvailable)
        let source = figures.source.replacing("https://", with: "").replacing("http://", with: "")
        let refresh = state.timeline?.instant != nil
            ? "not refreshed" : "every \(Format.fixed(state.delay, fractionDigits: state.delay == state.delay.rounded() ? 0 : 1))s"
        let origin = "   \(source), \(refresh)"
        let fits = TextWidth.width(exported + unattributed + origin) <= layout.width
        frame.set(
            layout.cpuLines + 2, [Span(exported, .bold), Span(fits ? unattributed : ""), Span(origin, .dim)])
    }

    /// From Prometheus, in place of the CPU bars (which the exporter does not export): the
    /// instant shown and how old it is, and when the scan shown started.
    static func timeLine(_ figures: HeaderFigures, timeline: Timeline) -> [Span] {
        let shown: String
        if timeline.instant == nil {
            shown = "Live"
        } else if let instant = figures.instant {
            let age = (figures.fetchTime ?? instant) - instant
            shown = "At \(DetailsView.utc(instant)), \(Format.age(seconds: age)) ago"
        } else {
            shown = "At " + Format.notAvailable
        }
        // A node's frame is one scan of its exporter; the fleet's rows come from many.
        let scan = figures.scanTime.map { scan in
            "   scan of \(DetailsView.utc(scan).suffix(12))"
                + (timeline.instant == nil ? figures.fetchTime.map { ", \(Format.age(seconds: $0 - scan)) old" } ?? "" : "")
        } ?? ""
        let step = "   step \(Format.age(seconds: timeline.step))"
        return [Span(shown, .bold), Span(scan + step, .dim)]
    }

    /// `Label[|||||      label]` filling `width` columns, coloured by how full it is.
    static func bar(_ name: String, _ fill: Double?, width: Int, label: String) -> [Span] {
        let prefix = TextWidth.fit(name, 3, alignment: .right) + "["
        let inner = max(width - prefix.count - 2, 0)
        let text = TextWidth.fit(label, min(label.count, inner), alignment: .right)
        let barColumns = max(inner - text.count, 0)
        let filled = fill.map { Int((min(max($0, 0), 1) * Double(barColumns)).rounded()) } ?? 0
        let style: Style = (fill ?? 0) > 0.9 ? .barHigh : (fill ?? 0) > 0.6 ? .barMedium : .barLow
        return [
            Span(prefix, .bold), Span(String(repeating: "|", count: filled), style),
            Span(String(repeating: " ", count: barColumns - filled) + text, .dim), Span("] ", .bold),
        ]
    }

    private static func percentLabel(_ busy: Double?) -> String {
        busy.map { Format.fixed($0 * 100, fractionDigits: 1) + "%" } ?? Format.notAvailable
    }

    private static func fraction(_ part: UInt64, of whole: UInt64) -> Double {
        whole == 0 ? 0 : Double(part) / Double(whole)
    }
}

/// The bottom line: the filter prompt, a confirmation, a message, or the main keys.
enum StatusView {
    static func render(_ state: TopState, layout: TopLayout, into frame: inout Frame) {
        if state.isEditingTime {
            let prompt = "Go to (2026-12-07T21:30:00Z, -1h, 2h30m ago, now): "
            frame.set(layout.statusRow, [Span(prompt, .statusKey), Span(state.timeInput, .statusText)], fill: .statusText)
            frame.cursor = (layout.statusRow, min(prompt.count + TextWidth.width(state.timeInput), layout.width - 1))
        } else if state.isEditingFilter {
            let prompt = "Filter (name, user, container): "
            frame.set(layout.statusRow, [Span(prompt, .statusKey), Span(state.filter, .statusText)], fill: .statusText)
            frame.cursor = (layout.statusRow, min(prompt.count + TextWidth.width(state.filter), layout.width - 1))
        } else if case .confirmSignal(let row, let signal)? = state.overlay {
            frame.set(
                layout.statusRow,
                [
                    Span("Send \(signal.name) to \(row.pid) (\(TextWidth.printable(row.name)), user \(row.user))? ", .error),
                    Span("Enter", .statusKey), Span(" send  ", .statusText), Span("s", .statusKey),
                    Span(" other signal  ", .statusText), Span("Esc", .statusKey), Span(" cancel", .statusText),
                ], fill: .statusText)
        } else if let message = state.message {
            frame.set(layout.statusRow, [Span(message, .error)], fill: .statusText)
        } else {
            var spans: [Span] = []
            let keys = state.timeline == nil
                ? [("F1", "Help"), ("/", "Filter"), ("a", "All"), ("Enter", "Details"), ("k", "Kill"), ("Space", "Pause"),
                   ("F6", "Sort"), ("q", "Quit")]
                : [("F1", "Help"), ("/", "Filter"), ("Enter", state.tab == .nodes ? "Open" : "Details"), ("[]{}", "Step"),
                   ("t", "Time"), ("n", "Now"), ("F6", "Sort"), ("q", "Quit")]
            for (key, action) in keys {
                spans += [Span(key, .statusKey), Span(action + " ", .statusText)]
            }
            frame.set(layout.statusRow, spans, fill: .statusText)
        }
    }
}
