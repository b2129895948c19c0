import FoundationEssentials
import Glibc

/// A problem in a configuration file (`--web.config.file`, `--http.config.file`): reported at
/// start-up, exit code 2.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// One mapping of a configuration file, read key by key, with errors that name the key.
public struct YAMLSection: Sendable {
    private let entries: [(key: String, value: YAMLNode)]
    /// The keys leading here, e.g. `http_server_config.headers`; empty at the top.
    private let path: String

    /// Refuses keys outside `keys` (the toolkit decodes with `UnmarshalStrict`, which refuses
    /// them too) and keys given twice. An absent or null node is an empty section.
    public init(_ node: YAMLNode?, path: String, keys: [String]) throws(ConfigurationError) {
        self.path = path
        switch node {
        case .mapping(let entries)?:
            self.entries = entries
        case let node? where !Self.isNull(node):
            throw ConfigurationError("\(path.isEmpty ? "top level" : path): expected a mapping")
        default:
            entries = []
        }
        var seen = Set<String>()
        for (key, _) in entries {
            guard keys.contains(key) else {
                throw ConfigurationError(
                    "unknown key '\(key)'\(path.isEmpty ? "" : " in \(path)"): expected one of \(keys.sorted().joined(separator: ", "))")
            }
            guard seen.insert(key).inserted else { throw ConfigurationError("\(place(key)): given twice") }
        }
    }

    /// The value of `key`; nil when absent or null (`~`, `null` or nothing).
    public func value(_ key: String) -> YAMLNode? {
        entries.first { $0.key == key }.map(\.value).flatMap { Self.isNull($0) ? nil : $0 }
    }

    public func string(_ key: String) throws(ConfigurationError) -> String? {
        switch value(key) {
        case nil: return nil
        case .scalar(let text)?: return text
        default: throw ConfigurationError("\(place(key)): expected a string")
        }
    }

    public func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let text = try string(key) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw ConfigurationError("\(place(key)): expected true or false, not '\(text)'")
        }
    }

    /// A list of strings; empty when absent.
    public func strings(_ key: String) throws(ConfigurationError) -> [String] {
        switch value(key) {
        case nil: return []
        case .sequence(let items)?:
            return try items.map { item throws(ConfigurationError) in
                guard case .scalar(let text) = item else { throw ConfigurationError("\(place(key)): expected a list of strings") }
                return text
            }
        default: throw ConfigurationError("\(place(key)): expected a list of strings")
        }
    }

    /// A mapping of names to strings; empty when absent.
    public func stringMap(_ key: String) throws(ConfigurationError) -> [String: String] {
        guard let node = value(key) else { return [:] }
        guard case .mapping(let entries) = node else {
            throw ConfigurationError("\(place(key)): expected a mapping of names to strings")
        }
        var map: [String: String] = [:]
        for (name, value) in entries {
            guard case .scalar(let text) = value else {
                throw ConfigurationError("\(place(key)).\(name): expected a string")
            }
            guard map.updateValue(text, forKey: name) == nil else {
                throw ConfigurationError("\(place(key)).\(name): given twice")
            }
        }
        return map
    }

    /// The mapping under `key`, whose keys must be among `keys`; nil when absent.
    public func section(_ key: String, keys: [String]) throws(ConfigurationError) -> YAMLSection? {
        guard let node = value(key) else { return nil }
        return try YAMLSection(node, path: place(key), keys: keys)
    }

    private func place(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private static func isNull(_ node: YAMLNode) -> Bool {
        guard case .scalar(let text) = node else { return false }
        return text.isEmpty || text == "~" || text.lowercased() == "null"
    }
}

extension YAMLSection {
    /// A configuration file read and checked at its top level, and the directory that relative
    /// file names in it are taken from (as Prometheus's tools take them).
    public struct File: Sendable {
        public var root: YAMLSection
        public var directory: String
    }

    /// Reads the YAML file at `path`, whose top-level keys must be among `keys`. An empty file
    /// (no YAML node) is an empty section, as for Prometheus's tools.
    public static func load(path: String, keys: [String]) throws(ConfigurationError) -> File {
        if let problem = unreadable(path) { throw ConfigurationError("cannot read \(path): \(problem)") }
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read \(path)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError("\(path): not UTF-8 text")
        }
        let root: YAMLSection
        do {
            root = try YAMLSection(YAMLNode.parse(text), path: "", keys: keys)
        } catch let error as ConfigurationError {
            throw ConfigurationError("\(path): \(error.message)")
        } catch let error as YAMLError {
            throw ConfigurationError("\(path): not valid YAML: \(error)")
        } catch {
            throw ConfigurationError("\(path): \(error)")
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        return File(root: root, directory: directory.isEmpty ? "/" : directory)
    }

    /// `name` as given if absolute, else inside `directory`.
    public static func resolve(_ name: String, relativeTo directory: String) -> String {
        name.hasPrefix("/") ? name : directory + "/" + name
    }
}

/// Why the file at `path` cannot be read (its `errno` text), or nil when it can.
public func unreadable(_ path: String) -> String? {
    access(path, R_OK) == 0 ? nil : String(cString: strerror(errno))
}
