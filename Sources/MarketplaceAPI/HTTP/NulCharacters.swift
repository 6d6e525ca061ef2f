import CommerceCore
import Foundation
import Hummingbird

/// U+0000 is refused everywhere a client can put text (API.md, "Limits"): PostgreSQL `text`
/// cannot hold it and libpq passes parameters as C strings, so a NUL would either fail the
/// statement (a 500) or silently cut the stored value. Bodies are checked once after parsing
/// (`jsonBody`), query parameters with the route's parameter check in `Routes.on`, so no
/// route can forget it. Path parameters arrive still percent-encoded: `%00` there is three
/// ordinary characters.
enum NulCharacters {
    static let message = "must not contain U+0000"

    /// The path of the first string (a value or a member name) holding U+0000, as `Fields`
    /// names fields (`lines[0].sku`, `customer.id`); `body` for a bare top-level string.
    static func field(in value: JSONValue) -> String? {
        guard let segments = search(value) else { return nil }
        if segments.isEmpty { return "body" }
        var path = ""
        for segment in segments.reversed() {
            switch segment {
            case .index(let i): path += "[\(i)]"
            case .key(let key):
                // A NUL in a member name is shown escaped, so the answer names it legibly.
                let shown = key.replacingOccurrences(of: "\u{0}", with: "\\u0000")
                path += path.isEmpty ? shown : ".\(shown)"
            }
        }
        return path
    }

    static func contains(_ text: some StringProtocol) -> Bool {
        text.utf8.contains(0)
    }

    private enum Segment {
        case key(String)
        case index(Int)
    }

    /// Segments innermost first, so a hit builds its path once and a miss builds nothing:
    /// the walk stays linear in the body's size.
    private static func search(_ value: JSONValue) -> [Segment]? {
        switch value {
        case .string(let s):
            return contains(s) ? [] : nil
        case .array(let elements):
            for (i, element) in elements.enumerated() {
                if var inner = search(element) {
                    inner.append(.index(i))
                    return inner
                }
            }
            return nil
        case .object(let object):
            for (key, member) in zip(object.keys, object.values) {
                if contains(key) { return [.key(key)] }
                if var inner = search(member) {
                    inner.append(.key(key))
                    return inner
                }
            }
            return nil
        case .null, .bool, .int, .double:
            return nil
        }
    }
}
