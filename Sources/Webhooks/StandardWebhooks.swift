import CryptoSupport
import Foundation

/// Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
/// `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded secret that
/// follows `whsec_`, sent as `v1,<base64>`.
public enum StandardWebhooks {
    public static let secretPrefix = "whsec_"

    /// A new secret: `whsec_` + base64 of 24 random bytes from OpenSSL's RAND_bytes.
    public static func newSecret() -> String {
        secretPrefix + Data(Crypto.randomBytes(24)).base64EncodedString()
    }

    /// The signing key inside a secret, or nil when it is not `whsec_` + base64.
    public static func key(fromSecret secret: String) -> [UInt8]? {
        let encoded = secret.hasPrefix(secretPrefix) ? String(secret.dropFirst(secretPrefix.count)) : secret
        guard let data = Data(base64Encoded: encoded), !data.isEmpty else { return nil }
        return Array(data)
    }

    /// `v1,<base64 signature>` for one secret.
    public static func signature(secret: String, id: String, timestamp: Int64, body: [UInt8]) -> String? {
        guard let key = key(fromSecret: secret) else { return nil }
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        return "v1," + Data(Crypto.hmacSHA256(key: key, message: content)).base64EncodedString()
    }

    /// The `webhook-signature` header: one `v1,` signature per secret, space-separated (two
    /// while a rotated secret is still honoured).
    public static func signatureHeader(secrets: [String], id: String, timestamp: Int64, body: [UInt8]) -> String {
        secrets.compactMap { signature(secret: $0, id: id, timestamp: timestamp, body: body) }.joined(separator: " ")
    }

    /// Verifies a header against a secret, in constant time per candidate signature.
    public static func verify(secret: String, id: String, timestamp: Int64, body: [UInt8], header: String) -> Bool {
        guard let expected = signature(secret: secret, id: id, timestamp: timestamp, body: body) else { return false }
        let expectedBytes = Array(expected.utf8)
        var matched = false
        for candidate in header.split(separator: " ") where Crypto.constantTimeEquals(Array(candidate.utf8), expectedBytes) {
            matched = true
        }
        return matched
    }
}
