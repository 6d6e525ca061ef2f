import CommerceCore
import Testing

/// JSON must be read, canonicalised and written in time linear in its size (API.md, "Limits").
/// These documents are sized so that a quadratic implementation hangs visibly (90,000
/// members took about 30 s of CPU with a linear key search) while a linear one takes a
/// fraction of a second; no test asserts a time.
@Suite("CommerceCore: JSON in linear time")
struct JSONLinearTimeTests {
    static let members = 90_000

    /// `{"k0":0,"k1":1,…,"k89999":9}`: just under 1 MiB.
    static func wideObject(members: Int = members) -> [UInt8] {
        var out: [UInt8] = [123]
        out.reserveCapacity(members * 12)
        for i in 0..<members {
            if i > 0 { out.append(44) }
            out.append(contentsOf: "\"k\(i)\":\(i % 10)".utf8)
        }
        out.append(125)
        return out
    }

    @Test("an object of 90,000 members parses, keeps its order and finds every member")
    func wideObjectParses() throws {
        let bytes = Self.wideObject()
        #expect(bytes.count > 900_000 && bytes.count <= 1 << 20)
        let value = try JSONParser.parse(bytes)
        let object = try #require(value.objectValue)
        #expect(object.count == Self.members)
        #expect(object.keys.first == "k0" && object.keys.last == "k\(Self.members - 1)")
        #expect(object["k0"] == .int(0))
        #expect(object["k45003"] == .int(3))
        #expect(object["k89999"] == .int(9))
        #expect(object["missing"] == nil)
        // Writing gives the same bytes back: insertion order is kept.
        #expect(JSONWriter.bytes(value) == bytes)
    }

    @Test("canonical bytes of a 90,000-member object sort its keys")
    func wideObjectCanonicalises() throws {
        let value = try JSONParser.parse(Self.wideObject())
        let canonical = JSONWriter.canonicalBytes(value)
        let reparsed = try #require(try JSONParser.parse(canonical).objectValue)
        #expect(reparsed.count == Self.members)
        #expect(reparsed.keys == reparsed.keys.sorted())
        #expect(reparsed["k12345"] == .int(5))
    }

    @Test("a duplicated key keeps its first position and its last value, in a large object too")
    func duplicateKeys() throws {
        let small = try #require(try JSONParser.parse(Array(#"{"a":1,"b":2,"a":3}"#.utf8)).objectValue)
        #expect(small.keys == ["a", "b"])
        #expect(small["a"] == .int(3))

        var bytes = Self.wideObject(members: 1000)
        bytes.removeLast()
        bytes.append(contentsOf: #","k7":"again"}"#.utf8)
        let large = try #require(try JSONParser.parse(bytes).objectValue)
        #expect(large.count == 1000)
        #expect(large.keys[7] == "k7")
        #expect(large["k7"] == .string("again"))
    }

    @Test("members can be replaced, removed and added while the object is indexed")
    func indexedEdits() {
        var object = JSONObject((0..<40).map { ("m\($0)", JSONValue.int(Int64($0))) })
        object["m3"] = nil
        #expect(object.count == 39)
        #expect(object["m3"] == nil)
        #expect(object["m4"] == .int(4))
        #expect(object["m39"] == .int(39))
        object["m3"] = .null
        #expect(object.keys.last == "m3")
        #expect(object["m3"] == .null)
        #expect(JSONWriter.string(.object(object)).hasSuffix(#""m39":39,"m3":null}"#))
        object["m0"] = "zero"
        #expect(object.keys.first == "m0" && object["m0"] == "zero")
        #expect(object == JSONObject(zip(object.keys, object.values).map { ($0, $1) }))
    }

    @Test("an object literal larger than the index threshold keeps its order, finds and edits its members")
    func largeLiteral() {
        // A response's literal (a suborder has 22 members) is taken as written, with no index.
        let value: JSONValue = [
            "a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "j": 10, "k": 11, "l": 12,
            "m": 13, "n": 14, "o": 15, "p": 16, "q": 17, "r": 18, "s": 19, "t": 20, "u": 21, "v": 22,
        ]
        #expect(JSONWriter.string(value).hasPrefix(#"{"a":1,"b":2,"c":3"#))
        #expect(value["v"] == .int(22) && value["a"] == .int(1) && value["zz"] == nil)
        var object = value.objectValue!
        object["w"] = 23
        object["a"] = nil
        object["b"] = "two"
        #expect(object.count == 22 && object["w"] == .int(23) && object["a"] == nil && object["b"] == "two")
        #expect(JSONWriter.string(.object(object)).hasSuffix(#""v":22,"w":23}"#))
    }

    @Test("arrays nested to the depth limit parse; one level deeper is refused")
    func deepArrays() throws {
        let limit = 64
        let deepest = Array(repeating: UInt8(91), count: limit) + Array(repeating: UInt8(93), count: limit)
        var value = try JSONParser.parse(deepest)
        var depth = 0
        while case .array(let elements) = value {
            depth += 1
            value = elements.first ?? .null
        }
        #expect(depth == limit)
        let tooDeep = Array(repeating: UInt8(91), count: limit + 1) + Array(repeating: UInt8(93), count: limit + 1)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(tooDeep) }
    }

    @Test("1 MiB of sibling arrays nested to the depth limit parses")
    func manyDeepArrays() throws {
        let one = Array(repeating: UInt8(91), count: 63) + Array(repeating: UInt8(93), count: 63)
        var bytes: [UInt8] = [91]
        let copies = (1 << 20) / (one.count + 1) - 1
        for i in 0..<copies {
            if i > 0 { bytes.append(44) }
            bytes.append(contentsOf: one)
        }
        bytes.append(93)
        let value = try JSONParser.parse(bytes)
        #expect(value.arrayValue?.count == copies)
        #expect(JSONWriter.canonicalBytes(value) == bytes)
    }
}
