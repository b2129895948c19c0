// libFuzzer target: the Prometheus text exposition as sentry-top's attach mode reads it from
// the network (ExportedSnapshot(exposition:), hence ExpositionParser.parse), and the
// ExpositionWriter -> ExpositionParser round trip of label values, HELP text and sample values.
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExposition(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    readScrape(bytes)
    // Long values exercise nothing short ones do not, and would slow every run.
    roundTrip(UnsafeBufferPointer(rebasing: bytes.prefix(512)))
    return 0
}

/// Any input parses or throws; what parses is consistent.
/// (`ExportedSnapshot(exposition:)` is exactly `ExpositionParser.parse` then this.)
private func readScrape(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let families = try? ExpositionParser.parse(bytes) else { return }
    var names: Set<String> = []
    for family in families {
        precondition(names.insert(family.name).inserted, "family \(family.name) twice")
        for sample in family.samples {
            precondition(sample.name.hasPrefix(family.name), "sample \(sample.name) in family \(family.name)")
            let labelNames = sample.labels.map(\.name)
            precondition(Set(labelNames).count == labelNames.count, "a label twice")
        }
    }
    guard let snapshot = try? ExportedSnapshot(families: families) else { return }
    let pids = snapshot.processes.map(\.pid)
    precondition(pids == pids.sorted() && Set(pids).count == pids.count, "processes not in PID order")
    let ids = snapshot.containers.map(\.id)
    precondition(ids == ids.sorted() && Set(ids).count == ids.count, "containers not in ID order")
    for process in snapshot.processes {
        precondition(process.listeningPorts == Set(process.listeningPorts).sorted(), "ports not sorted and unique")
        for list in TopList.allCases {
            if let rank = process.ranks[list] { precondition(rank >= 1, "rank \(rank)") }
        }
    }
}

/// Whatever the input says as a label value, HELP text or sample value, the writer's
/// exposition of it parses back to the same thing.
private func roundTrip(_ bytes: UnsafeBufferPointer<UInt8>) {
    let text = String(decoding: bytes, as: UTF8.self)  // the writer takes Swift strings: valid UTF-8
    var value = 0.0
    withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: UnsafeRawBufferPointer(bytes).prefix(8)) }

    var writer = ExpositionWriter()
    writer.family("fuzz_round_trip", .gauge, help: text)
    writer.sample("fuzz_round_trip", LabelSet(["value": text, "empty": ""]).appending("again", text), value)
    let families: [MetricFamily]
    do {
        families = try ExpositionParser.parse(writer.bytes)
    } catch {
        fatalError("the writer's exposition does not parse: \(error)")
    }
    precondition(families.count == 1 && families[0].samples.count == 1, "not one family of one sample")
    let family = families[0]
    // The parser drops blanks before HELP text, as the format's reference parser does.
    let help = text.utf8.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    precondition(family.help.map { $0.utf8.elementsEqual(help) } == true, "HELP text changed")
    precondition(family.type == .gauge, "type changed")
    let sample = family.samples[0]
    precondition(sample.labels.map(\.name) == ["value", "empty", "again"], "label names changed")
    precondition(sample.label("value")!.utf8.elementsEqual(text.utf8), "label value changed")
    precondition(sample.label("again")!.utf8.elementsEqual(text.utf8), "label value changed")
    precondition(sample.label("empty") == "", "empty label value changed")
    precondition(sample.value == value || (sample.value.isNaN && value.isNaN), "value \(value) read back as \(sample.value)")
}
