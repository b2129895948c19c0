import Foundation
import Testing

/// What the exporter's tests need from Prometheus' tools, beyond the shared harness.
extension Tools {
    static func requirePrometheus(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try require(promtool, hint: "install prometheus (apt-get install prometheus)", sourceLocation: sourceLocation)
        try require(prometheus, hint: "install prometheus (apt-get install prometheus)", sourceLocation: sourceLocation)
    }
}

/// Runs `promtool check metrics` on an exposition. Parse errors (any exit other than 0 or 3)
/// fail the test; lint problems (exit 3) are printed and returned.
@discardableResult
func promtoolCheckMetrics(
    _ exposition: Data, context: String, sourceLocation: SourceLocation = #_sourceLocation
) async throws -> [String] {
    try Tools.requirePrometheus(sourceLocation: sourceLocation)
    let result = try await runCommand(Tools.promtool, ["check", "metrics"], stdin: exposition)
    let output = (result.stdoutText + result.stderrText).split(separator: "\n").map(String.init)
    switch result.status {
    case 0:
        #expect(output.isEmpty, "promtool printed output but exited 0 (\(context)): \(output)", sourceLocation: sourceLocation)
        return []
    case 3:
        // Lint problems only (promtool's lintErrExitCode): not format errors.
        let errors = output.filter { $0.contains("error") }
        #expect(errors.isEmpty, "promtool (\(context)): \(errors)", sourceLocation: sourceLocation)
        for line in output { print("promtool lint warning (\(context)): \(line)") }
        return output
    default:
        Issue.record(
            "promtool check metrics failed (\(context)), exit \(result.status.map(String.init) ?? "signal"): \(output.joined(separator: "\n"))",
            sourceLocation: sourceLocation)
        return output
    }
}
