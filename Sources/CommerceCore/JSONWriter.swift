/// Compact JSON serialisation.
public enum JSONWriter {
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(value, into: &out)
        return out
    }

    /// The same value with every object's keys sorted: equal JSON values give equal bytes,
    /// whatever their whitespace or key order (idempotency fingerprints).
    public static func canonicalBytes(_ value: JSONValue) -> [UInt8] {
        bytes(sorted(value))
    }

    static func sorted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements): return .array(elements.map(sorted))
        case .object(let object):
            let pairs = zip(object.keys, object.values).sorted { $0.0 < $1.0 }.map { ($0.0, sorted($0.1)) }
            return .object(JSONObject(pairs))
        default: return value
        }
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: b ? "true".utf8 : "false".utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if d.isFinite {
                if d == d.rounded(), abs(d) < 1e15 {
                    out.append(contentsOf: String(Int64(d)).utf8)
                } else {
                    out.append(contentsOf: String(d).utf8)
                }
            } else {
                out.append(contentsOf: [110, 117, 108, 108])
            }
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            out.append(91)
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(44) }
                write(element, into: &out)
            }
            out.append(93)
        case .object(let object):
            out.append(123)
            for i in 0..<object.keys.count {
                if i > 0 { out.append(44) }
                writeString(object.keys[i], into: &out)
                out.append(58)
                write(object.values[i], into: &out)
            }
            out.append(125)
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(34)
        // Most strings need no escaping: copy their bytes at once (this function was the
        // server's hottest own symbol in bench/run's profile when it went byte by byte). The
        // scan runs over the contiguous bytes, not through the UTF-8 view's iterator.
        let utf8 = s.utf8
        let copied =
            utf8.withContiguousStorageIfAvailable { bytes -> Bool in
                for byte in bytes where byte < 32 || byte == 34 || byte == 92 { return false }
                out.append(contentsOf: bytes)
                return true
            } ?? false
        if copied {
            out.append(34)
            return
        }
        for byte in utf8 {
            switch byte {
            case 34: out.append(contentsOf: [92, 34])
            case 92: out.append(contentsOf: [92, 92])
            case 10: out.append(contentsOf: [92, 110])
            case 13: out.append(contentsOf: [92, 114])
            case 9: out.append(contentsOf: [92, 116])
            case 0..<32:
                out.append(contentsOf: [92, 117, 48, 48, hexDigit(byte >> 4), hexDigit(byte & 15)])
            default: out.append(byte)
            }
        }
        out.append(34)
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 48 + nibble : 87 + nibble }
}
