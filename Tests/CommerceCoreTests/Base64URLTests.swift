import CommerceCore
import Foundation
import Testing

/// The page-cursor codec is held to Foundation's base64 (the codec cursors were issued with
/// before), so that every cursor a client holds still decodes.
@Suite("CommerceCore: base64url of page cursors")
struct Base64URLTests {
    private func foundationURL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test("encodes as Foundation does, and decodes back, for every length and byte")
    func matchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...66 {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let encoded = Base64URL.encode(bytes)
                #expect(encoded == foundationURL(bytes))
                #expect(Base64URL.decode(encoded) == bytes)
                // The standard alphabet, padded, is read too.
                #expect(Base64URL.decode(Data(bytes).base64EncodedString()) == bytes)
            }
        }
        let all = (0...255).map(UInt8.init)
        #expect(Base64URL.encode(all) == foundationURL(all))
        #expect(Base64URL.decode(Base64URL.encode(all)) == all)
    }

    @Test(
        "text that is not base64 is refused",
        arguments: ["A", "AAAAA", "AA=A", "A===", "AA=", "=", "AA AA", "AA\nA", "AA.A", "Zm9v!", "é", "AA==="])
    func garbage(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test("cursors round-trip and garbage cursors are refused")
    func cursors() {
        let key = ["2026-12-07 05:58:58.123+00", "ord_ü\u{1F600}", "\"quoted\"", ""]
        #expect(PageCursor.decode(PageCursor.encode(key)) == key)
        #expect(PageCursor.decode(PageCursor.encode(["42"])) == ["42"])
        for garbage in ["", "garbage!", "Zm9v", Base64URL.encode(Array("{}".utf8)), Base64URL.encode(Array("[1]".utf8))] {
            #expect(PageCursor.decode(garbage) == nil)
        }
        #expect(PageCursor.decode(String(repeating: "A", count: 1028)) == nil)
    }
}
