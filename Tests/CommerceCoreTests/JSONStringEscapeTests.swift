import CommerceCore
import Testing

/// `JSONWriter` copies strings that need no escaping in one go (issue 9); both paths must give
/// the same, valid JSON.
@Suite struct JSONStringEscapeTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("", #""""#),
        ("Grüße, 東京 🚚", "\"Grüße, 東京 🚚\""),
        ("say \"hi\"", #""say \"hi\"""#),
        ("back\\slash", #""back\\slash""#),
        ("tab\tnew\nline\rret", #""tab\tnew\nline\rret""#),
        ("\u{01}\u{1f}\u{0}", #""\u0001\u001f\u0000""#),
    ])
    func escapes(_ input: String, _ expected: String) throws {
        #expect(JSONWriter.string(.string(input)) == expected)
        #expect(try JSONParser.parse(Array(expected.utf8)) == .string(input))
    }

    @Test func bridgedAndSubstringValuesAreCopiedToo() {
        let long = String(repeating: "abc", count: 100)
        let sub = String(long.dropFirst(1))
        #expect(JSONWriter.string(.string(sub)) == "\"" + sub + "\"")
    }
}
