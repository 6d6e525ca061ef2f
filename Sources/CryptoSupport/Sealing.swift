/// Authenticated encryption built from HMAC-SHA256 alone: a keystream of
/// HMAC(key, "enc" ‖ nonce ‖ counter) blocks XORed with the plaintext, then an HMAC tag over
/// nonce and ciphertext (encrypt-then-MAC). Used to keep replayable responses that contain a
/// secret unreadable to anyone without the key, which never touches the database.
public enum Sealing {
    static let nonceLength = 16
    static let tagLength = 32

    public static func seal(key: [UInt8], _ plaintext: [UInt8]) -> [UInt8] {
        let nonce = Crypto.randomBytes(nonceLength)
        let ciphertext = xor(plaintext, keystream(key: key, nonce: nonce, count: plaintext.count))
        let tag = Crypto.hmacSHA256(key: key, message: Array("mac".utf8) + nonce + ciphertext)
        return nonce + ciphertext + tag
    }

    /// The plaintext, or nil when the key is wrong or the data was altered.
    public static func open(key: [UInt8], _ sealed: [UInt8]) -> [UInt8]? {
        guard sealed.count >= nonceLength + tagLength else { return nil }
        let nonce = Array(sealed[0..<nonceLength])
        let ciphertext = Array(sealed[nonceLength..<(sealed.count - tagLength)])
        let tag = Array(sealed[(sealed.count - tagLength)...])
        let expected = Crypto.hmacSHA256(key: key, message: Array("mac".utf8) + nonce + ciphertext)
        guard Crypto.constantTimeEquals(tag, expected) else { return nil }
        return xor(ciphertext, keystream(key: key, nonce: nonce, count: ciphertext.count))
    }

    private static func keystream(key: [UInt8], nonce: [UInt8], count: Int) -> [UInt8] {
        var stream: [UInt8] = []
        stream.reserveCapacity(count + 32)
        var counter: UInt32 = 0
        while stream.count < count {
            let block = Array("enc".utf8) + nonce + withUnsafeBytes(of: counter.bigEndian) { Array($0) }
            stream.append(contentsOf: Crypto.hmacSHA256(key: key, message: block))
            counter += 1
        }
        return Array(stream.prefix(count))
    }

    private static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        zip(a, b).map { $0 ^ $1 }
    }
}
