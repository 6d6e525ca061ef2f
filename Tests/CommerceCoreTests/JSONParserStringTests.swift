import CommerceCore
import Testing

/// Strings are read on two paths: plain ASCII, made without validation, and everything else,
/// validated as UTF-8. Both must give the text written, and invalid UTF-8 must be refused.
@Suite("CommerceCore: JSON strings are read exactly, and invalid UTF-8 is refused")
struct JSONParserStringTests {
    private func string(_ bytes: [UInt8]) throws -> String? {
        guard case .string(let text) = try JSONParser.parse(bytes) else { return nil }
        return text
    }

    private func quoted(_ inner: [UInt8]) -> [UInt8] { [34] + inner + [34] }

    @Test(
        "text is read as written, ASCII or not, with or without escapes",
        arguments: ["", "delivery", "sub_feed_1451_ven_bench_a", "Müller", "東京都", "🚚 shipped", "a~\u{7F}z", "ünïcödé ascii"])
    func readsText(text: String) throws {
        #expect(try string(quoted(Array(text.utf8))) == text)
        // The same text after an escape takes the copying path.
        #expect(try string(quoted(Array(#"\n"#.utf8) + Array(text.utf8))) == "\n" + text)
    }

    @Test(
        "invalid UTF-8 is a syntax error, never a repaired string",
        arguments: [
            [0xFF], [0x80], [0xC0, 0xAF], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
            Array("abc".utf8) + [0xFE] + Array("def".utf8),
        ] as [[UInt8]])
    func refusesInvalidUTF8(inner: [UInt8]) {
        #expect(throws: JSONParser.SyntaxError.self) { try string(quoted(inner)) }
    }

    @Test("keys take the same paths as values")
    func keys() throws {
        let value = try JSONParser.parse(Array(#"{"plain": 1, "größe": 2}"#.utf8))
        guard case .object(let object) = value else {
            Issue.record("not an object: \(value)")
            return
        }
        #expect(object.keys == ["plain", "größe"])
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse([123, 34, 0xFF, 34, 58, 49, 125]) }
    }
}
