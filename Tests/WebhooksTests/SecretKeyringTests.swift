import CryptoSupport
import Foundation
import Testing

@Suite struct SecretKeyringTests {
    @Test func sealsAndOpensBoundToItsContext() throws {
        let keyring = SecretKeyring(current: .random())
        let sealed = keyring.seal("whsec_abc", context: "endpoint:1")
        #expect(sealed.hasPrefix(keyring.currentPrefix))
        #expect(!sealed.contains("whsec_abc"))
        #expect(try keyring.openString(sealed, context: "endpoint:1") == "whsec_abc")
        #expect(throws: SecretKeyring.OpenError.self) { try keyring.open(sealed, context: "endpoint:2") }
        // A fresh nonce each time: the same secret never seals to the same text.
        #expect(keyring.seal("whsec_abc", context: "endpoint:1") != sealed)
        // Any flipped bit is refused.
        var bytes = Array(sealed.utf8)
        let i = bytes.count - 5
        bytes[i] = bytes[i] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: SecretKeyring.OpenError.self) {
            try keyring.open(String(decoding: bytes, as: UTF8.self), context: "endpoint:1")
        }
    }

    @Test func aPreviousKeyStillOpensUntilRotated() throws {
        let old = SecretKeyring.Key.random()
        let new = SecretKeyring.Key.random()
        let sealedOld = SecretKeyring(current: old).seal("s", context: "c")
        #expect(throws: SecretKeyring.OpenError.self) { try SecretKeyring(current: new).open(sealedOld, context: "c") }
        let rotating = SecretKeyring(current: new, previous: [old])
        #expect(try rotating.openString(sealedOld, context: "c") == "s")
        #expect(rotating.seal("s", context: "c").hasPrefix("enc:v1:\(new.id):"))
        #expect(old.id != new.id && old.id.count == 8)
    }

    @Test func keysAreSixtyFourHexDigits() {
        #expect(SecretKeyring.Key(hex: String(repeating: "ab", count: 32)) != nil)
        #expect(SecretKeyring.Key(hex: String(repeating: "AB", count: 32)) != nil)
        #expect(SecretKeyring.Key(hex: String(repeating: "ab", count: 31)) == nil)
        #expect(SecretKeyring.Key(hex: String(repeating: "zz", count: 32)) == nil)
        #expect(SecretKeyring.Key(hex: "") == nil)
    }

    /// NIST SP 800-38D style check against a known AES-256-GCM vector (test case 16 of the
    /// GCM specification's appendix, truncated to what OpenSSL's EVP call sees).
    @Test func matchesAKnownAESGCMVector() {
        func bytes(_ hex: String) -> [UInt8] {
            var out: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                out.append(UInt8(hex[index..<next], radix: 16)!)
                index = next
            }
            return out
        }
        let key = bytes("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
        let nonce = bytes("cafebabefacedbaddecaf888")
        let plaintext = bytes(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
        let aad = bytes("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        let sealed = AESGCM.seal(key: key, nonce: nonce, plaintext: plaintext, aad: aad)
        #expect(Array(sealed.suffix(16)) == bytes("76fc6ece0f4e1768cddf8853bb2d551b"))
        #expect(AESGCM.open(key: key, nonce: nonce, sealed: sealed, aad: aad) == plaintext)
        #expect(AESGCM.open(key: key, nonce: nonce, sealed: sealed, aad: []) == nil)
    }
}
