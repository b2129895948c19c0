import CCrypt
import FoundationEssentials
import NIOConcurrencyHelpers
import SentryCore

/// Checks HTTP basic-auth credentials against `basic_auth_users` (bcrypt hashes, as the
/// exporter-toolkit stores them), with libxcrypt's `crypt_rn`.
///
/// A bcrypt check costs tens of milliseconds by design (about 60 ms at cost 10 here), so a
/// scraper's credentials, once verified, are remembered as a cheap salted digest (SHA-512-crypt,
/// 1000 rounds, a salt drawn at start-up): the next scrape costs a fraction of a millisecond and
/// needs no bcrypt, and no password is kept in memory. The toolkit caches for the same reason.
final class BasicAuthenticator: Sendable {
    /// The outcome of looking a request's credentials up in the cache.
    enum QuickCheck {
        case accepted
        /// Not remembered: `verify` must decide, off the event loop.
        case needsVerification(Credentials)
        case rejected
    }

    struct Credentials: Sendable {
        let user: String
        let password: String
    }

    private let hashes: [String: String]
    /// For unknown users, so that they cost as much as known ones (no user enumeration by timing).
    private let decoyHash: String
    private let digestSetting: String
    /// User → digest of the password last verified for them; one entry per configured user at most.
    private let verified = NIOLockedValueBox([String: String]())

    /// Fails when a hash is not a bcrypt hash libxcrypt can use.
    init(users: [String: String]) throws(ConfigurationError) {
        for (user, hash) in users.sorted(by: { $0.key < $1.key }) {
            let isBcrypt = ["$2a$", "$2b$", "$2y$"].contains { hash.hasPrefix($0) }
            guard isBcrypt, Self.crypt("", setting: hash) != nil else {
                throw ConfigurationError(
                    "basic_auth_users: the password of '\(user)' is not a bcrypt hash (make one with: htpasswd -nBC 10 \"\" | tr -d ':\\n')")
            }
        }
        guard let setting = Self.randomSetting(prefix: "$6$", cost: 1000) else {
            throw ConfigurationError("basic_auth_users: libcrypt cannot draw a salt")
        }
        hashes = users
        digestSetting = setting
        // The cost of the most expensive configured hash, so every miss costs the same.
        let cost = users.values.compactMap { Int($0.dropFirst(4).prefix(2)) }.max() ?? 10
        decoyHash = Self.randomSetting(prefix: "$2b$", cost: cost) ?? "$2b$10$......................"
    }

    /// Parses the `Authorization` header and answers from the cache (cheap; fine on the event loop).
    func quickCheck(authorization: String?) -> QuickCheck {
        guard let credentials = authorization.flatMap(Self.credentials) else { return .rejected }
        guard let digest = Self.crypt(credentials.password, setting: digestSetting) else { return .rejected }
        let remembered = verified.withLockedValue { $0[credentials.user] }
        if let remembered, constantTimeEqual(remembered, digest) { return .accepted }
        return .needsVerification(credentials)
    }

    /// The bcrypt check (slow: run it off the event loop); remembers credentials that pass.
    func verify(_ credentials: Credentials) -> Bool {
        let hash = hashes[credentials.user]
        let computed = Self.crypt(credentials.password, setting: hash ?? decoyHash)
        guard let hash, let computed, constantTimeEqual(computed, hash) else { return false }
        if let digest = Self.crypt(credentials.password, setting: digestSetting) {
            verified.withLockedValue { $0[credentials.user] = digest }
        }
        return true
    }

    /// `Basic base64(user:password)`; nil when malformed.
    private static func credentials(authorization: String) -> Credentials? {
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: String(parts[1].trimmingPrefix(while: { $0 == " " }))),
            let separator = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { return nil }
        // Strict UTF-8: a lossy decoding could map two different passwords to one string.
        guard let user = String(validating: decoded[..<separator], as: UTF8.self),
            let password = String(validating: decoded[(separator + 1)...], as: UTF8.self),
            !password.utf8.contains(0)  // crypt_rn stops at NUL: it would check only a prefix
        else { return nil }
        return Credentials(user: user, password: password)
    }

    /// `crypt_rn(phrase, setting)`, or nil when libxcrypt refuses the setting.
    private static func crypt(_ phrase: String, setting: String) -> String? {
        let size = MemoryLayout<crypt_data>.size
        let data = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<crypt_data>.alignment)
        defer {
            data.initializeMemory(as: UInt8.self, repeating: 0, count: size)  // scrub the phrase
            data.deallocate()
        }
        data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        guard let result = crypt_rn(phrase, setting, data, Int32(size)) else { return nil }
        return String(cString: result)
    }

    /// A fresh setting (scheme, cost, salt from the kernel's random source).
    private static func randomSetting(prefix: String, cost: Int) -> String? {
        var output = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        guard crypt_gensalt_rn(prefix, UInt(cost), nil, 0, &output, Int32(output.count)) != nil else { return nil }
        return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Compares without stopping at the first difference, so timing tells nothing about the match.
private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let a = Array(a.utf8)
    let b = Array(b.utf8)
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}
