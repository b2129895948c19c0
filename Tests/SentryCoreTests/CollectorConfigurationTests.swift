@testable import SentryCore
import Testing

@Suite("Resolving N")
struct CollectorConfigurationTests {
    @Test("the flag wins over TOP_N; TOP_N wins over the default")
    func precedence() throws {
        #expect(try CollectorConfiguration.resolveTopN(flag: 7, environment: "20") == 7)
        #expect(try CollectorConfiguration.resolveTopN(flag: nil, environment: "20") == 20)
        #expect(try CollectorConfiguration.resolveTopN(flag: nil, environment: nil) == 50)
    }

    @Test("out of range or not a number: the error names where the value came from")
    func rejected() {
        #expect(throws: TopNError(source: "'--top-n'", value: "0")) {
            try CollectorConfiguration.resolveTopN(flag: 0, environment: nil)
        }
        #expect(throws: TopNError(source: "environment variable TOP_N", value: "ten")) {
            try CollectorConfiguration.resolveTopN(flag: nil, environment: "ten")
        }
        #expect(throws: TopNError(source: "environment variable TOP_N", value: "10001")) {
            try CollectorConfiguration.resolveTopN(flag: nil, environment: "10001")
        }
        #expect(TopNError(source: "'--top-n'", value: "0").description == "invalid value '0' for '--top-n': expected 1 to 10000")
    }
}
