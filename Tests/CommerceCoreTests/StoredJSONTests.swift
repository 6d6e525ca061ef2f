import CommerceCore
import Testing

/// Child rows aggregated as JSON are read strictly: what the database should never hold is an
/// error, not an empty string or a zero shown to a client.
@Suite("CommerceCore: stored JSON is read strictly")
struct StoredJSONTests {
    private func objects(_ text: String) throws -> [StoredJSON] {
        try StoredJSON.objects(Array(text.utf8), column: "lines")
    }

    @Test("members of the right type are read")
    func wellFormed() throws {
        let lines = try objects(#"[{"id": "sbl_1", "quantity": 3, "unit_price": 1250, "reason": null}]"#)
        #expect(lines.count == 1)
        #expect(try lines[0].string("id") == "sbl_1")
        #expect(try lines[0].int("quantity") == 3)
        #expect(try lines[0].int64("unit_price") == 1250)
        #expect(try lines[0].optionalString("reason") == nil)
        #expect(try lines[0].optionalString("absent") == nil)
        #expect(try objects("[]").isEmpty)
    }

    @Test(
        "a missing, null or mistyped member throws, naming column and member",
        arguments: [
            (#"[{"quantity": 3}]"#, "id"),
            (#"[{"id": null, "quantity": 3}]"#, "id"),
            (#"[{"id": 7, "quantity": 3}]"#, "id"),
            (#"[{"id": "x", "quantity": "3"}]"#, "quantity"),
            (#"[{"id": "x", "quantity": 2.5}]"#, "quantity"),
        ])
    func strict(json: String, member: String) throws {
        let line = try #require(try objects(json).first)
        let error = #expect(throws: StoredJSONError.self) {
            _ = try line.string("id")
            _ = try line.int("quantity")
        }
        #expect(error?.column == "lines")
        #expect(error?.member == member)
    }

    @Test("a column that is not an array of objects throws")
    func notAnArray() {
        #expect(throws: StoredJSONError.self) { try objects(#"{"id": "x"}"#) }
        #expect(throws: StoredJSONError.self) { try objects(#"["x"]"#) }
        #expect(throws: StoredJSONError.self) { try StoredJSON.strings(Array(#"["a", 1]"#.utf8), column: "rerouted_to") }
        #expect(throws: StoredJSONError.self) {
            try objects(#"[{"fulfillment": 1}]"#).first?.optional("fulfillment", "a fulfilment") { $0.stringValue }
        }
    }
}
