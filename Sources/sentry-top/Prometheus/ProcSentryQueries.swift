/// Label matchers that `--selector` adds to every query, such as `{job="proc-sentry"}`.
///
/// Checked for shape when parsed (a list of `name op "value"` in braces), so a typo is a
/// one-line error at start-up rather than a rejected query on screen; what a matcher means is
/// left to the server.
struct LabelMatchers: Equatable, Sendable {
    /// The matchers as written, without the braces; empty for none.
    let text: String

    static let none = LabelMatchers(uncheckedText: "")

    private init(uncheckedText: String) {
        text = uncheckedText
    }

    struct ParseError: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// `{}`-enclosed matchers (`{job="proc-sentry", env=~"prod|staging"}`); the braces may be left out.
    init(parsing selector: String) throws(ParseError) {
        var inner = Substring(selector.trimmingBlanks())
        if inner.hasPrefix("{") {
            guard inner.hasSuffix("}"), inner.count >= 2 else { throw ParseError(description: "'\(selector)': no closing }") }
            inner = inner.dropFirst().dropLast()
        }
        var matchers: [String] = []
        var rest = inner.drop { $0 == " " }
        while !rest.isEmpty {
            let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            guard let first = name.first, !first.isNumber else {
                throw ParseError(description: "'\(selector)': expected a label name at '\(rest)'")
            }
            rest = rest.dropFirst(name.count).drop { $0 == " " }
            guard let op = ["=~", "!~", "!=", "="].first(where: { rest.hasPrefix($0) }) else {
                throw ParseError(description: "'\(selector)': expected =, !=, =~ or !~ after \(name)")
            }
            rest = rest.dropFirst(op.count).drop { $0 == " " }
            guard let quote = rest.first, quote == "\"" || quote == "'" || quote == "`" else {
                throw ParseError(description: "'\(selector)': expected a quoted value after \(name)\(op)")
            }
            var index = rest.index(after: rest.startIndex)
            var closed = false
            while index < rest.endIndex {
                if rest[index] == "\\" && quote != "`" {
                    index = rest.index(after: index)
                    guard index < rest.endIndex else { break }
                } else if rest[index] == quote {
                    closed = true
                    break
                }
                index = rest.index(after: index)
            }
            guard closed else { throw ParseError(description: "'\(selector)': unterminated value after \(name)\(op)") }
            let end = rest.index(after: index)
            matchers.append(String(name) + op + rest[rest.startIndex..<end])
            rest = rest[end...].drop { $0 == " " }
            if rest.hasPrefix(",") { rest = rest.dropFirst().drop { $0 == " " } } else if !rest.isEmpty {
                throw ParseError(description: "'\(selector)': expected , between matchers at '\(rest)'")
            }
        }
        text = matchers.joined(separator: ",")
    }
}

/// The PromQL sentry-top sends: what it needs of the series sentry-exporter exported, for one
/// node or for the fleet, each frame a small constant number of queries whatever the number
/// of nodes (the server aggregates).
struct ProcSentryQueries: Sendable {
    /// `--selector`.
    var matchers: LabelMatchers

    /// Every series one node's exporter sent at its latest scrape (before the query's
    /// instant), with the node's `up`: the frame of that node. Series that left the exported
    /// set are stale in Prometheus and not returned, so the frame holds exactly one scrape.
    func node(_ instance: String) -> String {
        selector(#"__name__=~"proc_(process|container|sentry)_.+|up""#, Self.instanceMatcher(instance))
    }

    /// The raw samples of one node's `proc_sentry_last_scan_timestamp_seconds` over `window`:
    /// the times of its scans as stored, from which the step between frames is derived.
    func scanTimes(_ instance: String, window: String) -> String {
        selector(#"__name__="proc_sentry_last_scan_timestamp_seconds""#, Self.instanceMatcher(instance)) + "[\(window)]"
    }

    /// Every node whose exporter was scraped in the hour before the instant, with its `figure`
    /// label saying which of the node's figures the value is: `cpu` (own, children's and
    /// unattributed CPU, percent of one core: the node's busy CPU), `memory` (resident bytes),
    /// `io` (storage bytes per second), `processes` (scanned), `up` (the last scrape's `up`).
    /// Top plus others, so each is the node's whole, not its Top N's.
    func nodes() -> String {
        func figure(_ name: String, _ aggregation: String, _ metric: String) -> String {
            #"label_replace(\#(aggregation) by (instance) (\#(selector(#"__name__=~"\#(metric)""#))), "figure", "\#(name)", "", "")"#
        }
        let known = "max by (instance) (last_over_time(\(selector(#"__name__="proc_sentry_build_info""#))[1h]))"
        return [
            figure("cpu", "sum", "proc_process_(top|others)_(children_)?cpu_percent|proc_process_unattributed_cpu_percent"),
            figure("memory", "sum", "proc_process_(top|others)_memory_bytes"),
            figure("io", "sum", "proc_process_(top|others)_io_(read|write)_bytes_per_second"),
            figure("processes", "max", "proc_sentry_processes_scanned"),
            "(" + figure("up", "max", "up") + " and on (instance) " + known + ")",
        ].joined(separator: " or ")
    }

    /// The fleet's top `count` processes by each list (own plus children's CPU, resident
    /// memory, storage IO) and top `count` containers by CPU and by memory: series whose
    /// `instance` and `pid` or `container_id` labels name them (`FleetMembers`).
    func fleetTop(count: Int) -> String {
        [
            "topk(\(count), sum by (instance, pid) (\(selector(#"__name__=~"proc_process_top_(children_)?cpu_percent""#))))",
            "topk(\(count), \(selector(#"__name__="proc_process_top_memory_bytes""#)))",
            "topk(\(count), sum by (instance, pid) (\(selector(#"__name__=~"proc_process_top_io_(read|write)_bytes_per_second""#))))",
            "topk(\(count), \(selector(#"__name__="proc_container_cpu_percent""#)))",
            "topk(\(count), \(selector(#"__name__="proc_container_memory_bytes""#)))",
        ].joined(separator: " or ")
    }

    /// Every series of `members`: a selector per node, naming its processes and containers,
    /// so the server reads only their series (a join with `and on` would read every node's).
    /// Nil when there are none.
    func fleetSeries(_ members: FleetMembers) -> String? {
        var selectors: [String] = []
        for (instance, pids) in members.processes.sorted(by: { $0.key < $1.key }) {
            selectors.append(
                selector(#"__name__=~"proc_process_top_.+""#, Self.instanceMatcher(instance), "pid=~" + Self.alternation(pids.sorted())))
        }
        for (instance, ids) in members.containers.sorted(by: { $0.key < $1.key }) {
            selectors.append(
                selector(#"__name__=~"proc_container_.+""#, Self.instanceMatcher(instance), "container_id=~" + Self.alternation(ids.sorted())))
        }
        return selectors.isEmpty ? nil : selectors.joined(separator: " or ")
    }

    /// A quoted regular expression matching exactly `values`.
    private static func alternation(_ values: [String]) -> String {
        quoted(values.map { value in
            var escaped = ""
            for character in value {
                if ".+*?()|[]{}^$\\".contains(character) { escaped.append("\\") }
                escaped.append(character)
            }
            return escaped
        }.joined(separator: "|"))
    }

    /// `{first, more…, --selector's}`.
    private func selector(_ required: String...) -> String {
        "{" + (required + (matchers.text.isEmpty ? [] : [matchers.text])).joined(separator: ",") + "}"
    }

    private static func instanceMatcher(_ instance: String) -> String {
        "instance=" + quoted(instance)
    }

    /// A PromQL double-quoted string.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text.unicodeScalars {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.unicodeScalars.append(character)
            }
        }
        return result + "\""
    }
}

/// The processes and containers of the fleet's top lists, by node (`ProcSentryQueries.fleetTop`).
struct FleetMembers: Equatable, Sendable {
    /// Instance → PIDs.
    var processes: [String: Set<String>] = [:]
    /// Instance → container IDs.
    var containers: [String: Set<String>] = [:]

    init(_ series: [QueryResult.Series]) {
        for series in series {
            guard let instance = series.metric["instance"] else { continue }
            if let pid = series.metric["pid"] {
                processes[instance, default: []].insert(pid)
            } else if let id = series.metric["container_id"] {
                containers[instance, default: []].insert(id)
            }
        }
    }
}
