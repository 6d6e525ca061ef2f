import CommerceCore
import Testing

@Suite("CommerceCore: identifiers")
struct IdentifierTests {
    @Test("an identifier is its prefix, an underscore and 32 lower-case hex digits, never repeated")
    func shape() {
        var seen = Set<String>()
        for prefix in ["ord", "sub", "key", "ünï"] {
            for _ in 0..<200 {
                let id = Identifier.make(prefix)
                #expect(id.hasPrefix(prefix + "_"))
                let digits = id.utf8.dropFirst(prefix.utf8.count + 1)
                #expect(digits.count == 32)
                #expect(digits.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
                #expect(seen.insert(id).inserted)
            }
        }
    }
}
