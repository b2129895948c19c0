import FoundationEssentials
import NIOHTTP1
import SentryCore
import Testing

@testable import sentry_top

@Suite("--prometheus: times, selectors, answers and time keys")
struct PrometheusModeTests {
    @Test(
        "--at takes RFC 3339, Unix seconds and durations before now",
        arguments: [
            ("2026-12-07T21:30:00Z", Instant.absolute(1_796_679_000)),
            ("2026-12-07 21:30:00.25Z", .absolute(1_796_679_000.25)),
            ("2026-12-07T22:30:00+01:00", .absolute(1_796_679_000)),
            ("2026-12-07T20:00:00-01:30", .absolute(1_796_679_000)),
            ("2024-02-29T00:00:00Z", .absolute(1_709_164_800)),
            ("1796679000", .absolute(1_796_679_000)),
            ("1796679000.5", .absolute(1_796_679_000.5)),
            ("-1h", .ago(3600)),
            ("-15m", .ago(900)),
            ("-1h30m", .ago(5400)),
            ("2h30m ago", .ago(9000)),
            (" 90s ago ", .ago(90)),
            ("-1d", .ago(86_400)),
            ("now", .ago(0)),
        ])
    func instants(text: String, expected: Instant) throws {
        #expect(try Instant(parsing: text) == expected)
    }

    @Test(
        "--at rejects what is not a time",
        arguments: ["", "yesterday", "-", "-1", "-1x", "-30m1h", "1h", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                    "2026-12-07T21:30:00", "2026-12-07T25:00:00Z", "-1.5h", "1e9", "-inf", "ago"])
    func badInstants(text: String) {
        #expect(throws: Instant.ParseError.self) { try Instant(parsing: text) }
    }

    @Test("relative instants resolve against now; absolute ones do not")
    func resolution() {
        #expect(Instant.ago(3600).resolved(now: 10_000) == 6400)
        #expect(Instant.absolute(5).resolved(now: 10_000) == 5)
    }

    @Test("--selector: matchers in braces (or without), checked for shape, kept as written")
    func selectors() throws {
        #expect(try LabelMatchers(parsing: #"{job="proc-sentry"}"#).text == #"job="proc-sentry""#)
        #expect(try LabelMatchers(parsing: #" { job = "a" , env=~'p.*', x!~`y}` } "#).text == #"job="a",env=~'p.*',x!~`y}`"#)
        #expect(try LabelMatchers(parsing: #"job!="a\"b""#).text == #"job!="a\"b""#)
        #expect(try LabelMatchers(parsing: "{}").text == "")
        for bad in [#"{job="a""#, #"{job=a}"#, #"{job="a" env="b"}"#, #"{1job="a"}"#, #"{job=="a"}"#, #"{job="a}"#, "up{job=\"a\"}"] {
            #expect(throws: LabelMatchers.ParseError.self, "\(bad)") { try LabelMatchers(parsing: bad) }
        }
    }

    @Test("queries add the selector to every series selector and quote the instance")
    func queries() throws {
        let queries = ProcSentryQueries(matchers: try LabelMatchers(parsing: #"{job="ps"}"#))
        #expect(queries.node(#"a"b\c"#) == #"{__name__=~"proc_(process|container|sentry)_.+|up",instance="a\"b\\c",job="ps"}"#)
        #expect(queries.scanTimes("n", window: "15m") == #"{__name__="proc_sentry_last_scan_timestamp_seconds",instance="n",job="ps"}[15m]"#)
        let selectors = queries.nodes().matches(of: /\{[^}]*\}/).map { String($0.output) }
        #expect(selectors.count == 6)
        #expect(selectors.allSatisfy { $0.hasSuffix(#",job="ps"}"#) }, "\(selectors)")
        let top = queries.fleetTop(count: 7)
        #expect(top.components(separatedBy: "topk(7, ").count == 6)
        #expect(top.matches(of: /\{[^}]*\}/).allSatisfy { $0.output.hasSuffix(#",job="ps"}"#) })

        // The top lists' members, by node, named exactly: a selector per node.
        let text = #"""
            [{"metric":{"instance":"a:1","pid":"42"},"value":[1,"9"]},{"metric":{"instance":"a:1","pid":"7"},"value":[1,"8"]},
             {"metric":{"instance":"b.x:1","pid":"42","container_id":""},"value":[1,"9"]},
             {"metric":{"instance":"b.x:1","container_id":"c.1"},"value":[1,"9"]}]
            """#
        let members = FleetMembers(try JSONDecoder().decode([QueryResult.Series].self, from: Data(text.utf8)))
        #expect(members.processes == ["a:1": ["42", "7"], "b.x:1": ["42"]])
        #expect(members.containers == ["b.x:1": ["c.1"]])
        #expect(queries.fleetSeries(members) == [
            #"{__name__=~"proc_process_top_.+",instance="a:1",pid=~"42|7",job="ps"}"#,
            #"{__name__=~"proc_process_top_.+",instance="b.x:1",pid=~"42",job="ps"}"#,
            #"{__name__=~"proc_container_.+",instance="b.x:1",container_id=~"c\\.1",job="ps"}"#,
        ].joined(separator: " or "))
        #expect(queries.fleetSeries(FleetMembers([])) == nil)
    }

    @Test("answers: a vector, a matrix, a rejected query, refused credentials, not an API")
    func answers() throws {
        let vector = #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"a"},"value":[1796679000.5,"1"]},{"metric":{},"value":[1,"NaN"]}]},"warnings":["cut by limits"]}"#
        let result = try PrometheusAPI.decode(status: .ok, body: Array(vector.utf8)).get()
        #expect(result.series.count == 2)
        #expect(result.series[0].metric["instance"] == "a")
        #expect(result.series[0].value?.value == 1)
        #expect(result.series[0].value?.time == 1_796_679_000.5)
        #expect(result.series[1].value?.value.isNaN == true)
        #expect(result.warnings == ["cut by limits"])

        let matrix = #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"instance":"a"},"values":[[1,"10"],[2,"12.5"]]}]}}"#
        #expect(try PrometheusAPI.decode(status: .ok, body: Array(matrix.utf8)).get().series[0].values?.map(\.value) == [10, 12.5])

        let rejected = #"{"status":"error","errorType":"bad_data","error":"parse error: unexpected }"}"#
        #expect(PrometheusAPI.decode(status: .badRequest, body: Array(rejected.utf8)).failure?.description
            == "query rejected (HTTP 400): parse error: unexpected }")
        #expect(PrometheusAPI.decode(status: .unauthorized, body: Array("Unauthorized\n".utf8)).failure?.description.contains("refused the credentials") == true)
        #expect(PrometheusAPI.decode(status: .ok, body: Array("<html>".utf8)).failure?.description.contains("not a Prometheus query API") == true)
        #expect(PrometheusAPI.decode(status: .badGateway, body: Array("upstream down\nmore".utf8)).failure?.description == "HTTP 502 Bad Gateway: upstream down")
    }

    @Test("form encoding keeps unreserved characters and escapes the rest")
    func formEncoding() {
        #expect(PrometheusAPI.formEncoded(#"up{a="b c"}+ü"#) == "up%7Ba%3D%22b%20c%22%7D%2B%C3%BC")
    }

    @Test("a node's stored series make the same rows as the scrape they came from")
    func nodeSeriesMakeAFrame() throws {
        func series(_ name: String, _ labels: [String: String], _ value: Double) -> QueryResult.Series {
            let metric = labels.merging(["__name__": name, "instance": "n1", "job": "ps"]) { $1 }
            let json = try! JSONEncoder().encode(metric)
            let text = #"{"metric":"# + String(decoding: json, as: UTF8.self) + #","value":[1,"\#(value)"]}"#
            return try! JSONDecoder().decode(QueryResult.Series.self, from: Data(text.utf8))
        }
        let process = ["pid": "42", "name": "burner", "user": "root", "container_id": ""]
        let stored = [
            series("up", [:], 1),
            series("proc_sentry_build_info", ["version": "0.1.0"], 1),
            series("proc_sentry_top_n", [:], 50),
            series("proc_sentry_last_scan_timestamp_seconds", [:], 1_796_679_000),
            series("proc_process_top_cpu_percent", process, 99.5),
            series("proc_process_top_children_cpu_percent", process, 12),
            series("proc_process_top_memory_bytes", process, 4096),
            series("proc_process_top_rank", process.merging(["list": "cpu"]) { $1 }, 1),
        ]
        let data = TopData(nodeSeries: stored, node: "n1", source: "http://p:9090")
        #expect(data.unavailableReason == nil)
        #expect(data.header.topN == 50)
        #expect(data.header.scanTime == 1_796_679_000)
        let row = try #require(data.processes.first)
        #expect(data.processes.count == 1)
        #expect((row.pid, row.name, row.cpuPercent, row.childrenCPUPercent, row.residentBytes) == (42, "burner", 99.5, 12, 4096))
        #expect(row.ranks.cpu == 1 && row.ranks.memory == nil)

        let down = TopData(nodeSeries: [series("up", [:], 0)], node: "n1", source: "p")
        #expect(down.processes.isEmpty)
        #expect(down.unavailableReason?.contains("up = 0") == true)
        #expect(TopData(nodeSeries: [], node: "n1", source: "p").unavailableReason?.contains("not scraped then") == true)
    }

    @Test("nodes: one row per instance from the figure-labelled answer")
    func nodeRows() throws {
        let text = #"""
            [{"metric":{"instance":"b","figure":"cpu"},"value":[1,"150"]},
             {"metric":{"instance":"b","figure":"up"},"value":[1,"1"]},
             {"metric":{"instance":"a","figure":"memory"},"value":[1,"1024"]},
             {"metric":{"instance":"a","figure":"processes"},"value":[1,"12"]},
             {"metric":{"instance":"a","figure":"up"},"value":[1,"0"]},
             {"metric":{"instance":"a","figure":"io"},"value":[1,"NaN"]}]
            """#
        let rows = NodeRow.all(in: try JSONDecoder().decode([QueryResult.Series].self, from: Data(text.utf8)))
        #expect(rows == [
            NodeRow(instance: "a", isUp: false, cpuPercent: nil, residentBytes: 1024, ioBytesPerSecond: nil, processCount: 12),
            NodeRow(instance: "b", isUp: true, cpuPercent: 150),
        ])
    }

    @Test("time keys: step back and forward by the step, ten steps, a typed time, back to live")
    func timeKeys() {
        var state = TopState(delay: 1)
        state.tabs = Tab.allCases
        state.timeline = Timeline(instant: nil, step: 15, stepIsFixed: false)
        var data = TopData()
        data.header.instant = 10_000
        data.header.fetchTime = 10_000
        data.header.scanInterval = 5
        state.reconcile(with: data)
        #expect(state.timeline?.step == 5, "the stored scan interval replaces the default step")

        #expect(state.apply(.stepTime(-1), data: data) == .refresh)
        #expect(state.timeline?.instant == 9995)
        #expect(!state.refreshesPeriodically)
        data.header.instant = 9995
        _ = state.apply(.stepTime(-10), data: data)
        #expect(state.timeline?.instant == 9945)
        _ = state.apply(.stepTime(1), data: data)
        #expect(state.timeline?.instant == 9950)
        _ = state.apply(.stepTime(10), data: data)
        #expect(state.timeline?.instant == nil, "stepping past the present goes live")
        #expect(state.refreshesPeriodically)

        _ = state.apply(.startTimeEntry, data: data)
        #expect(state.isEditingTime)
        for character in "-1h" { _ = state.apply(.typeTime(character), data: data) }
        #expect(state.apply(.finishTimeEntry, data: data) == .jump(.ago(3600)))
        state.show(.ago(3600), now: 20_000)
        #expect(state.timeline?.instant == 16_400)
        _ = state.apply(.startTimeEntry, data: data)
        for character in "soon" { _ = state.apply(.typeTime(character), data: data) }
        #expect(state.apply(.finishTimeEntry, data: data) == .redraw)
        #expect(state.message?.contains("not a time") == true)
        #expect(state.timeline?.instant == 16_400)
        #expect(state.apply(.returnToLive, data: data) == .refresh)
        #expect(state.timeline?.instant == nil)

        var fixed = TopState(delay: 1)
        fixed.timeline = Timeline(instant: nil, step: 60, stepIsFixed: true)
        fixed.reconcile(with: data)
        #expect(fixed.timeline?.step == 60, "--step is kept")

        var local = TopState(delay: 1)
        #expect(local.apply(.stepTime(-1), data: data) == .redraw)
        #expect(local.message?.contains("--prometheus") == true)
        #expect(local.apply(.selectTab(.nodes), data: data) == .redraw)
        #expect(local.tab == .cpu, "no Nodes tab without Prometheus")
    }

    @Test("Nodes tab: sorted by CPU, Enter opens the node, Esc returns to the nodes")
    func nodesTab() {
        var state = TopState(delay: 1)
        state.tabs = Tab.allCases
        state.timeline = Timeline(instant: nil, step: 15, stepIsFixed: false)
        state.tab = .nodes
        var data = TopData()
        data.nodes = [NodeRow(instance: "a", cpuPercent: 10), NodeRow(instance: "b", cpuPercent: 90), NodeRow(instance: "c")]
        state.reconcile(with: data)
        #expect(state.visibleNodes(in: data).map(\.instance) == ["b", "a", "c"])
        _ = state.apply(.move(1), data: data)
        #expect(state.apply(.activate, data: data) == .refresh)
        #expect(state.node == "a")
        #expect(state.tab == .cpu)
        #expect(state.frameRequest.node == "a")
        #expect(state.apply(.cancel, data: data) == .refresh)
        #expect(state.node == nil)
        #expect(state.tab == .nodes)
        _ = state.apply(.nextTab, data: data)
        #expect(state.tab == .cpu, "the tabs cycle through Nodes")
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
