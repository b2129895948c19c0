import Testing

/// Checks that a run of the exporter was refused as bad input: exit status 2, nothing on stdout,
/// and exactly one line on stderr, `sentry-exporter: error: ` followed by a message that
/// mentions `mentions`.
func expectStartupError(
    _ result: CommandResult, mentions: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        result.status == 2, "exit status \(result.status.map(String.init) ?? "signal"); stderr: \(result.stderrText)",
        sourceLocation: sourceLocation)
    let lines = result.stderrText.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(
        lines.count == 2 && lines.last == "", "stderr is not exactly one line: \(result.stderrText.debugDescription)",
        sourceLocation: sourceLocation)
    let line = String(lines.first ?? "")
    #expect(line.hasPrefix("sentry-exporter: error: "), "\(line)", sourceLocation: sourceLocation)
    #expect(line.contains(mentions), "\(line) does not mention \(mentions)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, "stdout: \(result.stdoutText)", sourceLocation: sourceLocation)
}
