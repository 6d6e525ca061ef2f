import Postgres
import Testing

@Suite("SQLQuery: interpolated values become parameters")
struct SQLQueryTests {
    @Test("each value is a $n in order; the text never holds a value")
    func valuesBecomeBinds() {
        let id = "o'1; DROP TABLE orders; --"
        let limit = 20
        let query: SQLQuery = "SELECT * FROM orders WHERE id = \(id) AND n < \(limit)"
        #expect(query.sql == "SELECT * FROM orders WHERE id = $1 AND n < $2")
        #expect(query.binds.map(\.postgresText) == [id, "20"])
        #expect(!query.sql.contains("DROP"))
    }

    @Test("fragments nest and their parameters are renumbered after the outer ones")
    func fragmentsRenumber() {
        let vendor = "v1"
        let status = "accepted"
        let filter: SQLQuery = "status = \(status) AND vendor_id = \(vendor)"
        let cte: SQLQuery = "WITH x AS (SELECT \(Int64(7)) AS k)"
        let query: SQLQuery = "\(cte) SELECT * FROM suborders WHERE order_id = \("o1") AND \(filter)"
        #expect(query.sql == "WITH x AS (SELECT $1 AS k) SELECT * FROM suborders WHERE order_id = $2 AND status = $3 AND vendor_id = $4")
        #expect(query.binds.map(\.postgresText) == ["7", "o1", "accepted", "v1"])
    }

    @Test("joined lists and appends keep numbering; nil is NULL; unescaped text is only a static string")
    func joinedAndAppended() {
        let conditions: [SQLQuery] = ["a = \(1)", "b = \(Optional<String>.none)", "c = ANY(\(["x", "y"]))"]
        var query: SQLQuery = "SELECT 1 FROM t WHERE "
        query.append(.joined(conditions, separator: " AND "))
        query.append(" ORDER BY \(unescaped: "created_at DESC") LIMIT \(5)")
        #expect(query.sql == "SELECT 1 FROM t WHERE a = $1 AND b = $2 AND c = ANY($3) ORDER BY created_at DESC LIMIT $4")
        #expect(query.binds.map(\.postgresText) == ["1", nil, "{\"x\",\"y\"}", "5"])
        #expect(SQLQuery.joined([], separator: ", ").sql == "")
    }

    @Test("a composed statement runs against the database with its values bound")
    func runsAgainstTheDatabase() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let tricky = "it's \"quoted\" $1 \\ text"
            let inner: SQLQuery = "SELECT \(tricky)::text AS v, \(Int64(41))::bigint + 1 AS n"
            let result = try await pool.execute("SELECT v, n, \(true)::boolean AS b FROM (\(inner)) AS x")
            let row = try #require(result.first)
            #expect(try row.string("v") == tricky)
            #expect(try row.int64("n") == 42)
            #expect(try row.bool("b"))
        }
    }
}
