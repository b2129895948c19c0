import SentryCore
import Testing
@testable import sentry_top

@Suite("Rendering frames")
struct TopViewTests {
    private func render(_ state: TopState, width: Int = 80, height: Int = 24, data: TopData = Sample.data) -> Frame {
        TopView.render(state, data, width: width, height: height)
    }

    @Test("every line of the frame is exactly the terminal's width", arguments: [(80, 24), (100, 30), (40, 10), (200, 60)])
    func exactSize(width: Int, height: Int) {
        var state = TopState(delay: 1.5)
        state.showsAllProcesses = true
        for tab in Tab.allCases {
            state.tab = tab
            let frame = render(state, width: width, height: height)
            #expect(frame.lines.count == height)
            for row in 0..<height {
                #expect(TextWidth.width(frame.text(of: row)) == width, "row \(row) of \(tab)")
            }
        }
    }

    @Test("the CPU tab at 80x24: header, tabs, sorted columns and the list markers")
    func cpuTab() {
        var state = TopState(delay: 1.5)
        state.reconcile(with: Sample.data)
        let frame = render(state)
        let text = frame.text
        #expect(frame.text(of: 0).hasPrefix("  0["))  // one bar per CPU on two CPUs
        #expect(text.contains("Mem["))
        #expect(text.contains("Load average: 1.50 1.00 0.50"))
        #expect(text.contains("Exported: 3 procs, 42 series (top 50)"))
        #expect(text.contains(" 1 CPU   2 Memory   3 IO   4 Containers "))
        #expect(text.contains("CPU%▼"))
        let layout = TopLayout(width: 80, height: 24, cpuCount: 2, tab: .cpu)
        let first = frame.text(of: layout.firstTableRow)
        #expect(first.contains("burner"))
        #expect(first.contains("CM-"))
        #expect(frame.lines[layout.firstTableRow].first?.style == .highlighted)
        #expect(frame.text(of: layout.firstTableRow + 1).contains("CMI"))
        #expect(frame.text(of: layout.firstTableRow + 1).contains("8dde0b0d6e91"))
        #expect(frame.text(of: layout.firstTableRow + 2).contains("n/a"))
        #expect(frame.text(of: layout.statusRow).contains("Help"))
    }

    @Test("the CPU tab orders by own plus children's CPU (both titles marked); the header shows the unattributed share")
    func childrenCPU() {
        var data = Sample.data
        var make = Sample.row(60, "make", cpu: 1.5, ranks: TopRanks(cpu: 1))
        make.childrenCPUPercent = 150
        make.childrenCPUSeconds = 4000
        data.processes.append(make)
        data.header.unattributedCPUPercent = 3.5
        var state = TopState(delay: 1.5)
        state.reconcile(with: data)
        let frame = render(state, data: data)
        let layout = TopLayout(width: 80, height: 24, cpuCount: 2, tab: .cpu)
        #expect(frame.text(of: layout.columnHeaderRow).contains("CPU%▼ CHLD▼"))
        let first = frame.text(of: layout.firstTableRow)
        #expect(first.contains("make") && first.contains("  1.5   150 "), "\(first)")
        #expect(frame.text.contains("Exported: 3 procs, 42 series (top 50)   Unattributed 3.5%   local, every 1.5s"))

        state.overlay = .details(make)
        let details = render(state, data: data).text
        #expect(details.contains("Children's CPU  150 % of one core, 01:06:40 in all"), "\(details)")
    }

    @Test("a held process shows hld in CMI and stays in the exported view; the header counts the held")
    func heldProcess() {
        var data = Sample.data
        var held = Sample.row(70, "waver", cpu: 0.2)
        held.isHeld = true
        data.processes.append(held)
        data.header.selectedCount = 4
        data.header.heldCount = 1
        var state = TopState(delay: 1.5)
        state.reconcile(with: data)
        #expect(state.pids(data).contains(70), "held processes are exported, so in the default view")
        let text = render(state, data: data).text
        #expect(text.contains("Exported: 4 procs (1 held), 42 series (top 50)"))
        let row = text.split(separator: "\n").first { $0.contains("waver") }
        #expect(row?.contains(" hld ") == true, "\(text)")
    }

    @Test("wide UTF-8 names are cut at a character boundary, never past the edge")
    func wideNames() {
        #expect(TextWidth.width("日本語") == 6)
        #expect(TextWidth.fit("日本語のプロセス名", 7) == "日本語 ")
        #expect(TextWidth.fit("abc", 5, alignment: .right) == "  abc")
        #expect(TextWidth.fit("a\nb\u{1B}[2J", 8) == "a?b?[2J ")
        #expect(TextWidth.fit("e\u{301}", 2) == "e\u{301} ")
        var state = TopState(delay: 1.5)
        state.showsAllProcesses = true
        state.filter = "日本"
        let frame = render(state, width: 79)
        let layout = TopLayout(width: 79, height: 24, cpuCount: 2, tab: .cpu)
        let line = frame.text(of: layout.firstTableRow)
        #expect(line.contains("日本 "))  // the NAME column is 5 wide here: two 2-cell characters and a pad
        #expect(!line.contains("日本語"))
        #expect(TextWidth.width(line) == 79)
    }

    @Test("the Containers tab lists containers with pod UID and runtime")
    func containersTab() {
        var state = TopState(delay: 1.5)
        state.tab = .containers
        let text = render(state, width: 120).text
        #expect(text.contains("8dde0b0d6e91"))
        #expect(text.contains("4415fd05-2c0f-4533-909b-f2180dca8d7c"))
        #expect(text.contains("containerd"))
    }

    @Test("the Containers tab says why it is empty: none, none matching, or not read yet")
    func emptyContainersTab() {
        var state = TopState(delay: 1.5)
        state.tab = .containers
        var data = Sample.data
        data.containers = []
        #expect(render(state, data: data).text.contains("No containers to show."))
        data.containersPending = true
        #expect(render(state, data: data).text.contains("Containers are read at the next refresh."))
        data.containersPending = false
        state.filter = "web"
        #expect(render(state, data: data).text.contains("No container matches the filter."))
    }

    @Test("windows: help lists every key binding; details show n/a for what is unknown")
    func windows() {
        var state = TopState(delay: 1.5)
        state.overlay = .help
        let help = render(state, height: 40).text
        for binding in KeyMap.bindings {
            #expect(help.contains(binding.keys), "help misses \(binding.keys)")
        }
        state.overlay = .details(Sample.data.processes[2])
        let details = render(state, height: 40).text
        #expect(details.contains("Process 30: java"))
        #expect(details.contains("Command line    n/a"))
        #expect(details.contains("713a77a26fe2a38ebebd5709604a048c3d380db1eb16aa43aca0b2499e54733c"))
    }

    @Test("the filter prompt shows the cursor; a confirmation names the process")
    func statusLine() {
        var state = TopState(delay: 1.5)
        state.isEditingFilter = true
        state.filter = "pg"
        let layout = TopLayout(width: 80, height: 24, cpuCount: 2, tab: .cpu)
        let frame = render(state)
        #expect(frame.text(of: layout.statusRow).hasPrefix("Filter (name, user, container): pg"))
        #expect(frame.cursor?.row == layout.statusRow)
        state.isEditingFilter = false
        state.overlay = .confirmSignal(Sample.data.processes[1], SignalChoice.all[0])
        #expect(render(state).text(of: layout.statusRow).hasPrefix("Send SIGTERM to 20 (postgres, user postgres)?"))
    }

    @Test("attach mode: what the exporter does not send is n/a")
    func attachHeader() {
        var data = Sample.data
        data.header = HeaderFigures(topN: 50, selectedCount: 3, seriesCount: 42, source: "http://127.0.0.1:9105/metrics")
        let text = render(TopState(delay: 1.5), data: data).text
        #expect(text.contains("CPU["))
        #expect(text.contains("n/a"))
        #expect(text.contains("Tasks: n/a"))
        #expect(text.contains("127.0.0.1:9105/metrics, every 1.5s"))
    }
}
