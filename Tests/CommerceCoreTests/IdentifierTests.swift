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

    @Test("identifiers made on many threads at once are all distinct (the random bytes are drawn in blocks)")
    func concurrent() async {
        let batches = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 { group.addTask { (0..<2000).map { _ in Identifier.make("x") } } }
            return await group.reduce(into: [[String]]()) { $0.append($1) }
        }
        let all = batches.flatMap { $0 }
        #expect(all.count == 16_000)
        #expect(Set(all).count == all.count)
    }
}
