import Foundation

/// Encrypts secrets at rest with `MARKETPLACE_SECRET_KEY` (AES-256-GCM), and decrypts them
/// with that key or a previous one while keys are being rotated.
///
/// A stored value is `enc:v1:<key id>:<base64 of nonce ‖ ciphertext ‖ tag>`. The key id (8 hex
/// digits of a hash of the key, never the key) says which key sealed it, so a rotation can
/// find what is still under the old key; the format version lets a later scheme coexist.
/// Each value is bound to a context (say, the endpoint it belongs to) through the associated
/// data, so a ciphertext copied onto another row does not decrypt.
public struct SecretKeyring: Sendable {
    public struct Key: Sendable {
        public let id: String
        let bytes: [UInt8]

        /// 64 hexadecimal characters (32 bytes), or nil.
        public init?(hex: String) {
            let text = hex.trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.utf8.count == 64 else { return nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(32)
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
                bytes.append(byte)
                index = next
            }
            self.init(bytes: bytes)
        }

        public init(bytes: [UInt8]) {
            precondition(bytes.count == AESGCM.keyLength, "a secret key is 32 bytes")
            self.bytes = bytes
            self.id = String(Crypto.hex(Crypto.sha256(Array("marketplace-secret-key-id:".utf8) + bytes)).prefix(8))
        }

        public static func random() -> Key { Key(bytes: Crypto.randomBytes(AESGCM.keyLength)) }
    }

    public enum OpenError: Error, CustomStringConvertible {
        /// Sealed under a key this process was not given (the id is not secret).
        case unknownKey(String)
        case corrupt

        public var description: String {
            switch self {
            case .unknownKey(let id):
                "sealed with key id \(id), which is neither MARKETPLACE_SECRET_KEY nor MARKETPLACE_SECRET_KEY_PREVIOUS"
            case .corrupt: "sealed value is damaged or bound to another record"
            }
        }
    }

    public static let prefix = "enc:v1:"

    public let current: Key
    public let previous: [Key]

    public init(current: Key, previous: [Key] = []) {
        self.current = current
        self.previous = previous.filter { $0.id != current.id }
    }

    /// The prefix every value sealed with the current key starts with.
    public var currentPrefix: String { Self.prefix + current.id + ":" }

    public func seal(_ plaintext: [UInt8], context: String) -> String {
        let nonce = Crypto.randomBytes(AESGCM.nonceLength)
        let sealed = AESGCM.seal(
            key: current.bytes, nonce: nonce, plaintext: plaintext, aad: Self.aad(keyId: current.id, context: context))
        return currentPrefix + Data(nonce + sealed).base64EncodedString()
    }

    public func seal(_ plaintext: String, context: String) -> String { seal(Array(plaintext.utf8), context: context) }

    public static func isSealed(_ value: String) -> Bool { value.hasPrefix(prefix) }

    /// The plaintext of a sealed value.
    public func open(_ value: String, context: String) throws(OpenError) -> [UInt8] {
        guard value.hasPrefix(Self.prefix) else { throw .corrupt }
        let rest = value.dropFirst(Self.prefix.count)
        guard let colon = rest.firstIndex(of: ":") else { throw .corrupt }
        let keyId = String(rest[..<colon])
        guard let key = ([current] + previous).first(where: { $0.id == keyId }) else { throw .unknownKey(keyId) }
        guard let data = Data(base64Encoded: String(rest[rest.index(after: colon)...])),
            data.count >= AESGCM.nonceLength + AESGCM.tagLength
        else { throw .corrupt }
        let bytes = Array(data)
        guard
            let plain = AESGCM.open(
                key: key.bytes, nonce: Array(bytes[..<AESGCM.nonceLength]), sealed: Array(bytes[AESGCM.nonceLength...]),
                aad: Self.aad(keyId: keyId, context: context))
        else { throw .corrupt }
        return plain
    }

    public func openString(_ value: String, context: String) throws(OpenError) -> String {
        String(decoding: try open(value, context: context), as: UTF8.self)
    }

    static func aad(keyId: String, context: String) -> [UInt8] { Array("\(prefix)\(keyId):\(context)".utf8) }
}
