import CYAML

/// A YAML document as plain values, read with libyaml.
///
/// libyaml directly rather than Yams (which wraps the same parser): Yams needs Foundation, and
/// Foundation statically linked made the exporter's binary 113 MB instead of 62 MB and its RSS
/// 2.2 MiB larger (CoreFoundation initialises itself at start-up), measured in one run at K=3000.
/// The configuration files (`--web.config.file`, `--http.config.file`) need only mappings,
/// lists and strings.
public indirect enum YAMLNode: Sendable {
    case scalar(String)
    case sequence([YAMLNode])
    /// Keys in file order.
    case mapping([(key: String, value: YAMLNode)])

    /// Nodes at most, counting each use of an alias: a few aliases of aliases can otherwise
    /// expand to billions of nodes ("billion laughs").
    public static let maximumNodes = 10_000

    /// Parses the first document of `text`; nil when there is none (an empty file).
    public static func parse(_ text: String) throws(YAMLError) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw YAMLError("libyaml cannot start") }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        var document = yaml_document_t()
        let loaded = bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return yaml_parser_load(&parser, &document)
        }
        guard loaded == 1 else { throw YAMLError(parser: parser) }
        defer { yaml_document_delete(&document) }
        guard let root = yaml_document_get_root_node(&document) else { return nil }
        var budget = maximumNodes
        return try node(root, in: &document, budget: &budget)
    }

    private static func node(
        _ pointer: UnsafeMutablePointer<yaml_node_t>, in document: inout yaml_document_t, budget: inout Int
    ) throws(YAMLError) -> YAMLNode {
        budget -= 1
        guard budget >= 0 else { throw YAMLError("more than \(maximumNodes) nodes (aliases expand to too much)") }
        let node = pointer.pointee
        let mark = node.start_mark
        switch node.type {
        case YAML_SCALAR_NODE:
            let scalar = node.data.scalar
            return .scalar(String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self))
        case YAML_SEQUENCE_NODE:
            var items: [YAMLNode] = []
            var item = node.data.sequence.items.start
            while let current = item, current != node.data.sequence.items.top {
                items.append(try child(current.pointee, in: &document, budget: &budget))
                item = current + 1
            }
            return .sequence(items)
        case YAML_MAPPING_NODE:
            var entries: [(key: String, value: YAMLNode)] = []
            var pair = node.data.mapping.pairs.start
            while let current = pair, current != node.data.mapping.pairs.top {
                guard case .scalar(let key) = try child(current.pointee.key, in: &document, budget: &budget) else {
                    throw YAMLError("line \(mark.line + 1): a mapping key that is not a string")
                }
                entries.append((key, try child(current.pointee.value, in: &document, budget: &budget)))
                pair = current + 1
            }
            return .mapping(entries)
        default:
            throw YAMLError("line \(mark.line + 1): an empty node")
        }
    }

    private static func child(_ index: Int32, in document: inout yaml_document_t, budget: inout Int) throws(YAMLError)
        -> YAMLNode
    {
        guard let pointer = yaml_document_get_node(&document, index) else { throw YAMLError("a dangling node") }
        return try node(pointer, in: &document, budget: &budget)
    }
}

/// Text that is not YAML, with libyaml's account of where and why.
public struct YAMLError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    fileprivate init(parser: yaml_parser_t) {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        let context = parser.context.map { String(cString: $0) + " " } ?? ""
        description = "line \(parser.problem_mark.line + 1), column \(parser.problem_mark.column + 1): \(context)\(problem)"
    }
}
