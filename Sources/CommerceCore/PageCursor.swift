/// Paging parameters shared by every list: `limit` (1–500, default 50) and an opaque `after`.
public struct PageRequest: Sendable {
    public static let defaultLimit = 50
    public static let maxLimit = 500

    public let limit: Int
    /// The decoded cursor: the sort key of the last row of the previous page.
    public let after: [String]?

    public init(limit: Int = PageRequest.defaultLimit, after: [String]? = nil) {
        self.limit = limit
        self.after = after
    }

    /// For lists ordered by one sequence number: the sequence after which to continue
    /// (0 from the start); 422 naming `after` for a cursor another list returned.
    public func afterSequence() throws -> Int64 {
        guard let after else { return 0 }
        guard after.count == 1, let seq = Int64(after[0]), seq >= 0 else {
            throw DomainError.validation(field: "after", "is not a cursor this list returned")
        }
        return seq
    }
}

/// Opaque cursors: base64url of a JSON array of strings (the last row's sort key).
/// Clients must not parse them; we only need them to round-trip and to reject garbage.
public enum PageCursor {
    public static func encode(_ key: [String]) -> String {
        Base64URL.encode(JSONWriter.bytes(.array(key.map { .string($0) })))
    }

    public static func decode(_ cursor: String) -> [String]? {
        guard cursor.utf8.count <= 1024, let bytes = Base64URL.decode(cursor),
            let value = try? JSONParser.parse(bytes), case .array(let elements) = value
        else { return nil }
        var out: [String] = []
        for element in elements {
            guard case .string(let s) = element else { return nil }
            out.append(s)
        }
        return out.isEmpty ? nil : out
    }
}

/// One page of results and the cursor for the next, `nil` at the end of an ordinary list.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// Builds a page from `limit + 1` fetched rows: the extra row only says that more exist.
    public init(fetched: [Item], limit: Int, key: (Item) -> [String]) {
        if fetched.count > limit {
            let items = Array(fetched.prefix(limit))
            self.items = items
            self.nextCursor = items.last.map { PageCursor.encode(key($0)) }
        } else {
            self.items = fetched
            self.nextCursor = nil
        }
    }
}

extension Page where Item: JSONRepresentable {
    public var json: JSONValue {
        ["data": .array(items.map { $0.json }), "next_cursor": .from(nextCursor)]
    }
}

extension PageRequest {
    /// For newest-first lists ordered by one sequence number: the sequence below which to
    /// continue (`Int64.max` from the start); 422 naming `after` for a foreign cursor.
    public func beforeSequence() throws -> Int64 {
        after == nil ? Int64.max : try afterSequence()
    }
}

extension Page {
    /// A newest-first page from `limit + 1` rows fetched with their sequence numbers.
    public static func bySequence(_ fetched: [(Item, Int64)], limit: Int) -> Page<Item> {
        let paged = Page<(Item, Int64)>(fetched: fetched, limit: limit) { [String($0.1)] }
        return Page(items: paged.items.map(\.0), nextCursor: paged.nextCursor)
    }
}
