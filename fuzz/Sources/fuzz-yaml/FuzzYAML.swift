// libFuzzer target: a configuration file (YAMLNode.parse, YAMLSection), as `--web.config.file`
// and `--http.config.file` are read.
import SentryCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let node = try? YAMLNode.parse(text) else { return 0 }
    // Aliases may repeat nodes, but never beyond the budget ("billion laughs").
    precondition(nodeCount(node) <= YAMLNode.maximumNodes, "more nodes than the budget")
    if let section = try? YAMLSection(node, path: "", keys: ["basic_auth", "tls_config", "http_headers"]) {
        _ = try? section.section("basic_auth", keys: ["username", "password"])?.string("username")
        _ = try? section.strings("http_headers")
    }
    return 0
}

private func nodeCount(_ node: YAMLNode) -> Int {
    switch node {
    case .scalar: 1
    case .sequence(let items): 1 + items.reduce(0) { $0 + nodeCount($1) }
    case .mapping(let entries): 1 + entries.reduce(0) { $0 + nodeCount($1.value) }
    }
}
