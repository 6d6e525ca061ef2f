import OrderCore
import Postgres
import Testing

@testable import VendorRouting

/// The feed's page statement orders its rows by feed position only (no sort of its own in
/// PostgreSQL), so the lines of a suborder may arrive in any order; the page must not show it.
@Suite("Feed page decoding")
struct FeedPageDecodingTests {
    static let columns = [
        "id", "order_id", "vendor_id", "location", "status", "currency", "accept_by", "ship_by", "promised_delivery",
        "routing_reason", "vendor_routing_reason", "candidates_considered", "replaces", "replaced_by", "carrier",
        "tracking_number", "reason", "delivered_at", "created_at", "updated_at", "feed_seq", "fulfillment", "feed_xid",
        "rerouted_to", "line_id", "order_line_id", "sku", "quantity", "unit_price", "refused_quantity", "refused_reason",
        "line_position",
    ]

    /// A row of suborder `id`, with one line (`line` nil: the NULL columns of a suborder without lines).
    static func row(_ id: String, seq: Int, line: (id: String, position: Int)?, reroutedTo: String = "{}") -> [String?] {
        let time = "2026-12-07 11:00:00+00"
        let suborder: [String?] = [
            id, "ord_1", "ven_a", "a-berlin", "pending_acceptance", "EUR", time, time, time, "nearest", "nearest", "3", nil, nil,
            nil, nil, nil, nil, time, time, "\(seq)", #"{"type": "pickup", "vendor_id": "ven_a", "location": "a-berlin"}"#,
            "900", reroutedTo,
        ]
        guard let line else { return suborder + [String?](repeating: nil, count: 8) }
        return suborder + [line.id, "ol_\(line.id)", "SKU-\(line.position)", "1", "250", "0", nil, "\(line.position)"]
    }

    static func decode(_ rows: [[String?]]) throws -> [(Suborder, xid: String, seq: Int64)] {
        try OrderStore.decodeFeedPage(QueryResult(columns: columns, values: rows, affectedRows: 0), limit: 50)
    }

    @Test("a suborder's lines come out in line position order, whatever order the rows arrive in")
    func linesInPositionOrder() throws {
        let page = try Self.decode([
            Self.row("sub_1", seq: 7, line: ("l3", 3)),
            Self.row("sub_1", seq: 7, line: ("l1", 1)),
            Self.row("sub_1", seq: 7, line: ("l2", 2)),
            Self.row("sub_2", seq: 8, line: ("l4", 1)),
            Self.row("sub_2", seq: 8, line: ("l5", 2)),
        ])
        #expect(page.map(\.0.id) == ["sub_1", "sub_2"])
        #expect(page[0].0.lines.map(\.id) == ["l1", "l2", "l3"])
        #expect(page[0].0.lines.map(\.sku) == ["SKU-1", "SKU-2", "SKU-3"])
        #expect(page[1].0.lines.map(\.id) == ["l4", "l5"])
        #expect(page.map(\.seq) == [7, 8])
        #expect(page.map(\.xid) == ["900", "900"])
    }

    @Test("a suborder without lines, and one rerouted, keep their places")
    func noLinesAndRerouted() throws {
        let page = try Self.decode([
            Self.row("sub_1", seq: 1, line: nil, reroutedTo: "{sub_9,sub_10}"),
            Self.row("sub_2", seq: 2, line: ("l1", 1)),
        ])
        #expect(page.map(\.0.id) == ["sub_1", "sub_2"])
        #expect(page[0].0.lines.isEmpty)
        #expect(page[0].0.reroutedTo == ["sub_9", "sub_10"])
        #expect(page[1].0.lines.map(\.id) == ["l1"])
    }

    @Test("an empty result is an empty page")
    func empty() throws {
        #expect(try Self.decode([]).isEmpty)
    }
}
