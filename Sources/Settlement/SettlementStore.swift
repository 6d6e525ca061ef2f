public import CommerceCore
import EventOutbox
public import Foundation
public import Postgres
public import SettlementCore

/// SQL for settlement runs, statements, their lines and the ledger. Writes take the caller's
/// transaction; reads take anything `Queryable`.
public enum SettlementStore {
    /// Names the transaction-scoped advisory lock held while a run is built. Every process uses
    /// the same key, so at most one run is being built at a time across all of them.
    public static let runLockKey: Int64 = 0x7365_746C_5F72_756E  // "setl_run"

    /// PostgreSQL's `work_mem` while a run is built (that transaction only).
    static let workMem = "64MB"

    /// Rows per multi-row INSERT.
    static let batchSize = 2000

    // MARK: creating a run

    /// Builds a `draft` run covering every delivered line (by `delivered_at`) and every refunded
    /// return line (by the return's `received_at`) up to `periodEnd` inclusive that no earlier
    /// run settled: one statement per (vendor, currency), its lines, the ledger postings, and a
    /// `settlement.statement_created` event per statement, all in `tx`.
    ///
    /// Exactly once: a run holds a transaction-scoped advisory lock while it is built (another run
    /// started meanwhile fails at once with `conflict`), reads what is unsettled only after taking
    /// it, and the unique (`vendor_id`, `source`) of `settlement_lines` refuses a second settlement
    /// of any line even if the lock were bypassed (a line's vendor never changes). A run with
    /// nothing to settle is still created, empty.
    public static func createRun(
        _ tx: Transaction, periodEnd: Date, defaultCommissionBps: Int, now: Date = Date()
    ) async throws -> SettlementRun {
        let locked = try await tx.query("SELECT pg_try_advisory_xact_lock($1) AS locked", [runLockKey])
        guard try locked.first?.bool("locked") == true else {
            throw DomainError.conflict("Another settlement run is being built right now; try again when it has finished.")
        }
        try await planLikeARun(tx)
        try await keepStatisticsTrue(tx)
        let runId = Identifier.make("setl")
        try await tx.query(
            "INSERT INTO settlement_runs (id, status, period_end, created_at) VALUES ($1, 'draft', $2, $3)",
            [runId, periodEnd, now])
        // A group of vendors at a time, so memory stays flat however many lines the run
        // settles: statements are per (vendor, currency), so vendors settle independently.
        for vendors in try await unsettledVendorChunks(tx, periodEnd: periodEnd) {
            let groups = try await unsettledGroups(
                tx, periodEnd: periodEnd, defaultCommissionBps: defaultCommissionBps, vendors: vendors)
            let (statements, prices) = try SettlementTally.tally(groups)
            let statementIds = statements.map { _ in Identifier.make("stmt") }
            do {
                try await insertStatements(tx, runId: runId, ids: statementIds, statements: statements, now: now)
                let written = zip(statementIds, statements).map { (id: $0, vendorId: $1.vendorId, currency: $1.currency) }
                let copied = try await copyLines(
                    tx, runId: runId, periodEnd: periodEnd, vendors: vendors, statements: written, prices: prices)
                // The copy reads the lines again, in a statement of its own: a line that became
                // settleable in between would make a statement's lines disagree with its totals.
                let expected = Dictionary(uniqueKeysWithValues: zip(statementIds, statements.map(\.totals)))
                guard copied == expected else {
                    throw DomainError.conflict("The lines to settle changed while the run was built; try again.")
                }
            } catch let error as PostgresError where error.isUniqueViolation && error.constraint == "settlement_lines_settled_once" {
                throw DomainError.conflict("Some of these lines were settled by another run at the same time; try again.")
            }
            var postings: [(statementId: String, posting: Posting)] = []
            for (i, statement) in statements.enumerated() { postings += statement.postings.map { (statementIds[i], $0) } }
            try await insertPostings(tx, runId: runId, postings)
            try await keepStatisticsTrue(tx)
        }
        try await assertRunBalanced(tx, runId: runId)

        guard let run = try await run(tx, id: runId) else { throw DomainError.notFound("Settlement run \(runId)") }
        try await Outbox.enqueue(
            tx,
            run.statements.map { Outbox.Event(vendorId: $0.vendorId, type: "settlement.statement_created", data: $0.json) },
            now: now)
        return run
    }

    /// The planner settings of a run's transaction (one round trip, for the transaction only):
    /// - `work_mem`: a chunk's copy sorts up to `linesPerChunk` lines and its grouping hashes
    ///   them; with the default 4 MB they spilled to temporary files (15 MB per chunk, logged with
    ///   log_temp_files). One run at a time holds the run's lock, so the memory is bounded.
    /// - joins in the order the queries write them: a run's queries read what its own earlier
    ///   chunks wrote, which the statistics know nothing of, and the planner once estimated the
    ///   copy's three-column join to the prices at one row and, joining it first, looped over the
    ///   chunk's 190 statements for each of its 199,500 lines (6.6 s instead of 0.3;
    ///   bench/README.md, 2026-12-07). The join methods stay its own.
    static func planLikeARun(_ tx: Transaction) async throws {
        try await tx.query(
            "SELECT set_config('work_mem', $1, true), set_config('join_collapse_limit', '1', true)", [Self.workMem])
    }

    /// Analyses `settlement_lines` when its statistics say it holds no row on pages it has: an
    /// analyse that ran while none of its rows was committed (autovacuum during a run, or after a
    /// run that rolled back) leaves it so. On those statistics the lookup of settled lines was
    /// planned as a scan of the table per candidate line, each scan holding every line the run
    /// had written so far, and a run of 20 s did not end (bench/README.md, 2026-12-07); no choice
    /// of indexes or planner settings avoided it, as every path costs nothing on zero rows. An
    /// analyse inside the run's transaction counts the history and the run's own lines as they
    /// are. Called before the first chunk and after each; a look at `pg_class` otherwise.
    static func keepStatisticsTrue(_ tx: Transaction) async throws {
        let stale = try await tx.query(
            "SELECT reltuples = 0 AND relpages > 0 AS stale FROM pg_class WHERE oid = 'settlement_lines'::regclass")
        if try stale.first?.bool("stale") == true {
            try await tx.query("ANALYZE settlement_lines")
        }
    }

    /// Lines a chunk of vendors should hold at most (one vendor with more is a chunk alone). The
    /// server holds only a chunk's groups (`unsettledGroups`), never its lines; each chunk reads
    /// the line tables once more, so fewer, larger chunks are cheaper (bench/README.md: 200,000
    /// settled 1,050,000 lines about 10 % faster than 50,000).
    static let linesPerChunk = 200_000

    /// The sale lines a run settles (`s` suborders, `l` their lines): delivered by the period's
    /// end, not refused whole, not settled yet. One definition for the grouping and the run.
    /// `vendors`, when given, bounds the lookup of settled lines to theirs (the index of
    /// `settlement_lines_settled_once` leads with the vendor), instead of all that were ever settled.
    static func unsettledSale(_ periodEnd: Date, vendors: [String]? = nil) -> SQLQuery {
        """
        s.status = 'delivered' AND s.delivered_at <= \(periodEnd)
          AND l.quantity > 0  -- a line refused whole on a partial acceptance sold nothing
          AND NOT EXISTS (SELECT 1 FROM settlement_lines x
                          WHERE \(settledBy(vendors)) x.vendor_id = l.vendor_id AND x.source = 'sale:' || l.id)
        """
    }

    /// The refund lines a run settles (`r` returns, `rl` their lines): refunded by the period's
    /// end with units received, not settled yet. `vendors` as for `unsettledSale`.
    static func unsettledRefund(_ periodEnd: Date, vendors: [String]? = nil) -> SQLQuery {
        """
        r.status = 'refunded' AND r.received_at <= \(periodEnd) AND rl.received_quantity > 0
          AND NOT EXISTS (SELECT 1 FROM settlement_lines x
                          WHERE \(settledBy(vendors)) x.vendor_id = rl.vendor_id AND x.source = 'refund:' || rl.id)
        """
    }

    /// `x.vendor_id = ANY(vendors) AND`, or nothing: the planner does not carry the outer query's
    /// vendor filter into the lookup of settled lines, so the lookup states it itself.
    private static func settledBy(_ vendors: [String]?) -> SQLQuery {
        guard let vendors else { return "" }
        return "x.vendor_id = ANY(\(vendors)) AND"
    }

    /// The vendors with something to settle up to `periodEnd`, in vendor order, grouped so that
    /// each group has at most `linesPerChunk` lines (or is one vendor).
    static func unsettledVendorChunks(_ tx: Transaction, periodEnd: Date) async throws -> [[String]] {
        let rows = try await tx.execute(
            """
            SELECT vendor_id, sum(n)::bigint AS n FROM (
                SELECT s.vendor_id, count(*) AS n
                FROM suborders s JOIN suborder_lines l ON l.suborder_id = s.id
                WHERE \(unsettledSale(periodEnd))
                GROUP BY s.vendor_id
                UNION ALL
                SELECT rl.vendor_id, count(*) AS n
                FROM returns r JOIN return_lines rl ON rl.return_id = r.id
                WHERE \(unsettledRefund(periodEnd))
                GROUP BY rl.vendor_id
            ) pending
            GROUP BY vendor_id ORDER BY vendor_id COLLATE "C"  -- as Swift orders statements
            """
        ).rows
        var chunks: [[String]] = []
        var current: [String] = []
        var lines = 0
        for row in rows {
            let count = try row.int("n")
            if !current.isEmpty, lines + count > linesPerChunk {
                chunks.append(current)
                current = []
                lines = 0
            }
            current.append(try row.string("vendor_id"))
            lines += count
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    /// Every line a run settles for these vendors, one row per line: the sales and refunds up to
    /// `periodEnd` without a settlement line yet, with the rate fixed on the sold line (NULL when
    /// none was fixed yet). One definition for the groups a run tallies and the lines it copies.
    static func pendingLines(periodEnd: Date, vendors: [String]) -> SQLQuery {
        """
        SELECT l.vendor_id, s.currency, 'sale'::text AS kind, l.id AS suborder_line_id, NULL::text AS return_id,
               NULL::text AS return_line_id, l.sku, l.quantity, l.unit_price, l.commission_rate_bps AS rate_bps,
               s.delivered_at AS at
        FROM suborders s
        JOIN suborder_lines l ON l.suborder_id = s.id
        WHERE s.vendor_id = ANY(\(vendors)) AND \(unsettledSale(periodEnd, vendors: vendors))
        UNION ALL
        SELECT rl.vendor_id, r.currency, 'refund'::text, rl.suborder_line_id, rl.return_id, rl.id, rl.sku,
               rl.received_quantity, rl.unit_price, l.commission_rate_bps, r.received_at
        FROM returns r
        JOIN return_lines rl ON rl.return_id = r.id
        JOIN suborder_lines l ON l.id = rl.suborder_line_id
        WHERE rl.vendor_id = ANY(\(vendors)) AND \(unsettledRefund(periodEnd, vendors: vendors))
        """
    }

    /// The lines these vendors have to settle, summed by what their figures depend on. A sold
    /// line whose rate was never fixed (delivered before rates were recorded, or refunded before
    /// it was delivered) gets it fixed now, from the rules in force, so its sale and refunds
    /// share one rate; the groups are then read again.
    static func unsettledGroups(_ tx: Transaction, periodEnd: Date, defaultCommissionBps: Int, vendors: [String])
        async throws -> [SettlementGroup]
    {
        func read() async throws -> QueryResult {
            try await tx.execute(
                """
                SELECT vendor_id, currency, kind, unit_price, quantity, rate_bps, count(*) AS n
                FROM (\(pendingLines(periodEnd: periodEnd, vendors: vendors))) p
                GROUP BY vendor_id, currency, kind, unit_price, quantity, rate_bps
                """)
        }
        var rows = try await read()
        if try rows.rows.contains(where: { try $0.optionalInt("rate_bps") == nil }) {
            let unfixed = try await tx.execute(
                """
                SELECT DISTINCT suborder_line_id FROM (\(pendingLines(periodEnd: periodEnd, vendors: vendors))) p
                WHERE rate_bps IS NULL ORDER BY suborder_line_id
                """
            ).rows.map { try $0.string("suborder_line_id") }
            _ = try await CommissionRates.fix(tx, lineIds: unfixed, defaultBps: defaultCommissionBps)
            rows = try await read()
        }
        return try rows.rows.map { row in
            guard let kind = SettlementLineKind(rawValue: try row.string("kind")) else {
                throw RowDecodingError(column: "kind", reason: "unknown line kind")
            }
            guard let rate = try row.optionalInt("rate_bps") else {
                throw RowDecodingError(column: "rate_bps", reason: "no rate for a line of vendor \(try row.string("vendor_id"))")
            }
            return SettlementGroup(
                vendorId: try row.string("vendor_id"), currency: try row.string("currency"), kind: kind,
                unitPrice: try row.int64("unit_price"), quantity: try row.int("quantity"), rateBps: rate,
                lineCount: try row.int("n"))
        }
    }

    static func insertStatements(
        _ tx: Transaction, runId: String, ids: [String], statements: [StatementTally], now: Date
    ) async throws {
        for start in stride(from: 0, to: statements.count, by: batchSize) {
            let range = start..<min(start + batchSize, statements.count)
            let batch = statements[range]
            try await tx.query(
                """
                INSERT INTO settlement_statements (id, run_id, vendor_id, currency, gross_sales, commission, refunds,
                                                   commission_refunded, net_payable, line_count, created_at)
                SELECT id, $1::text, vendor_id, currency, g, c, r, cr, n, lc, $11::timestamptz
                FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],
                            $9::bigint[], $10::int[])
                     WITH ORDINALITY AS s(id, vendor_id, currency, g, c, r, cr, n, lc, ord)
                ORDER BY ord
                """,
                [
                    runId, Array(ids[range]), batch.map(\.vendorId), batch.map(\.currency), batch.map(\.totals.grossSales),
                    batch.map(\.totals.commission), batch.map(\.totals.refunds), batch.map(\.totals.commissionRefunded),
                    batch.map(\.netPayable), batch.map(\.totals.lineCount), now,
                ])
        }
    }

    /// Copies these vendors' pending lines into `settlement_lines` in one statement, so no line
    /// travels between the server and the database: each line's statement is the run's statement
    /// of its (vendor, currency), its amount and commission come from `prices` (computed by
    /// `SettlementBuilder.settle`, the only definition of a line's figures). Ids follow the
    /// order `SettlementBuilder.build` gives: statement (vendor, currency), then time, sales
    /// before refunds, source id (COLLATE "C" compares as Swift does). Returns what was copied,
    /// summed per statement id, for the caller to hold against the statements' totals.
    ///
    /// `statements` are the chunk's statements as written, in (vendor, currency) order; lines sort
    /// by a statement's place in that list rather than by its vendor and currency, as an integer
    /// key that leads the sorted row costs a third of two text keys behind a dozen columns, which
    /// PostgreSQL's sort reads again on every tie (bench/README.md, 2026-12-07: the sort of a
    /// 200,000-line chunk 1.09 s → 0.36 s). They come as arrays, not from the table just written,
    /// whose statistics know nothing of this run: estimated at one row, the join to it became a
    /// nested loop over every statement for every line.
    static func copyLines(
        _ tx: Transaction, runId: String, periodEnd: Date, vendors: [String],
        statements: [(id: String, vendorId: String, currency: String)], prices: [LinePrice]
    ) async throws -> [String: StatementTotals] {
        let rows = try await tx.execute(
            """
            WITH copied AS (
                INSERT INTO settlement_lines (run_id, statement_id, vendor_id, currency, kind, suborder_line_id, return_id,
                                              return_line_id, sku, quantity, amount, rate_bps, commission, at)
                SELECT \(runId)::text, statement_id, vendor_id, currency, kind, suborder_line_id, return_id,
                       return_line_id, sku, quantity, amount, rate_bps, commission, at
                FROM (
                    SELECT st.ord, p.at, p.kind = 'refund' AS refund,
                           coalesce(p.return_line_id, p.suborder_line_id) COLLATE "C" AS source_id,
                           st.id AS statement_id, p.vendor_id, p.currency, p.kind, p.suborder_line_id, p.return_id,
                           p.return_line_id, p.sku, p.quantity, price.amount, p.rate_bps, price.commission
                    FROM (\(pendingLines(periodEnd: periodEnd, vendors: vendors))) p
                    JOIN unnest(\(statements.map(\.id))::text[], \(statements.map(\.vendorId))::text[],
                                \(statements.map(\.currency))::text[]) WITH ORDINALITY AS st(id, vendor_id, currency, ord)
                      ON st.vendor_id = p.vendor_id AND st.currency = p.currency
                    JOIN unnest(\(prices.map(\.unitPrice))::bigint[], \(prices.map(\.quantity))::int[],
                                \(prices.map(\.rateBps))::int[], \(prices.map(\.amount))::bigint[],
                                \(prices.map(\.commission))::bigint[])
                         AS price(unit_price, quantity, rate_bps, amount, commission)
                      ON price.unit_price = p.unit_price AND price.quantity = p.quantity AND price.rate_bps = p.rate_bps
                    ORDER BY 1, 2, 3, 4  -- by position, so the keys are these leading columns
                ) sorted
                RETURNING statement_id, kind, amount, commission
            )
            SELECT statement_id, count(*) AS n,
                   coalesce(sum(amount) FILTER (WHERE kind = 'sale'), 0)::bigint AS gross_sales,
                   coalesce(sum(commission) FILTER (WHERE kind = 'sale'), 0)::bigint AS commission,
                   coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0)::bigint AS refunds,
                   coalesce(sum(commission) FILTER (WHERE kind = 'refund'), 0)::bigint AS commission_refunded
            FROM copied GROUP BY statement_id
            """)
        var out: [String: StatementTotals] = [:]
        for row in rows.rows {
            out[try row.string("statement_id")] = StatementTotals(
                grossSales: try row.int64("gross_sales"), commission: try row.int64("commission"),
                refunds: try row.int64("refunds"), commissionRefunded: try row.int64("commission_refunded"),
                lineCount: try row.int("n"))
        }
        return out
    }

    static func insertPostings(_ tx: Transaction, runId: String, _ postings: [(statementId: String, posting: Posting)])
        async throws
    {
        for start in stride(from: 0, to: postings.count, by: batchSize) {
            let batch = postings[start..<min(start + batchSize, postings.count)]
            let values = batch.map(\.posting)
            try await tx.query(
                """
                INSERT INTO ledger_postings (run_id, statement_id, vendor_id, kind, account, currency, amount)
                SELECT $1::text, st, v, k, acc, cur, amt
                FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
                     WITH ORDINALITY AS p(st, v, k, acc, cur, amt, ord)
                ORDER BY ord
                """,
                [
                    runId, batch.map(\.statementId), values.map(\.vendorId), values.map(\.kind.rawValue),
                    values.map(\.account), values.map(\.currency), values.map(\.amount),
                ])
        }
    }

    /// Throws unless the run's stored postings sum to zero in every currency, so an unbalanced
    /// ledger can never commit.
    static func assertRunBalanced(_ tx: Transaction, runId: String) async throws {
        let off = try await tx.query(
            """
            SELECT currency, sum(amount)::text AS total FROM ledger_postings WHERE run_id = $1
            GROUP BY currency HAVING sum(amount) <> 0 ORDER BY currency
            """, [runId])
        guard off.isEmpty else {
            throw SettlementMathError.unbalanced(
                try off.rows.map { "\(try $0.string("currency")) off by \(try $0.string("total"))" }.joined(separator: ", "))
        }
    }

    // MARK: transitions

    /// `approve` (draft → approved) or `pay` (approved → paid, which posts each statement's
    /// payout). The run row is locked first, so concurrent transitions serialise and the loser
    /// sees the new status (409 invalid-transition).
    public static func transition(
        _ tx: Transaction, runId: String, _ action: SettlementRunAction, now: Date = Date()
    ) async throws -> SettlementRun {
        let row = try await tx.query("SELECT status FROM settlement_runs WHERE id = $1 FOR UPDATE", [runId])
        guard let current = try row.first.flatMap({ SettlementRunStatus(rawValue: try $0.string("status")) }) else {
            throw DomainError.notFound("Settlement run \(runId)")
        }
        guard let target = SettlementRunTransitions.apply(action, to: current) else {
            throw DomainError.invalidTransition(
                "Settlement run \(runId) is \(current.rawValue); \(action.rawValue) is allowed only from \(action.allowedFrom.rawValue).")
        }
        if action == .pay {
            let statements = try await tx.query(
                "SELECT id, vendor_id, currency, net_payable FROM settlement_statements WHERE run_id = $1 ORDER BY vendor_id, currency",
                [runId])
            var postings: [(statementId: String, posting: Posting)] = []
            for statement in statements.rows {
                let id = try statement.string("id")
                postings += try Ledger.payPostings(
                    vendorId: try statement.string("vendor_id"), currency: try statement.string("currency"),
                    netPayable: try statement.int64("net_payable")
                ).map { (id, $0) }
            }
            try Ledger.assertBalanced(postings.map(\.posting))
            try await insertPostings(tx, runId: runId, postings)
            try await assertRunBalanced(tx, runId: runId)
        }
        try await tx.query(
            """
            UPDATE settlement_runs SET status = $2,
                approved_at = CASE WHEN $2 = 'approved' THEN $3::timestamptz ELSE approved_at END,
                paid_at = CASE WHEN $2 = 'paid' THEN $3::timestamptz ELSE paid_at END
            WHERE id = $1
            """, [runId, target.rawValue, now])
        guard let run = try await run(tx, id: runId) else { throw DomainError.notFound("Settlement run \(runId)") }
        return run
    }

    // MARK: reads

    static let statementSelect = """
        SELECT s.id, s.run_id, s.vendor_id, s.currency, s.gross_sales, s.commission, s.refunds, s.commission_refunded,
               s.net_payable, s.line_count, s.created_at, s.seq, r.period_end, r.status AS run_status
        FROM settlement_statements s JOIN settlement_runs r ON r.id = s.run_id
        """

    static func decodeStatement(_ row: Row) throws -> Statement {
        guard let status = SettlementRunStatus(rawValue: try row.string("run_status")) else {
            throw RowDecodingError(column: "run_status", reason: "unknown run status")
        }
        return Statement(
            id: try row.string("id"), runId: try row.string("run_id"), vendorId: try row.string("vendor_id"),
            currency: try row.string("currency"),
            totals: StatementTotals(
                grossSales: try row.int64("gross_sales"), commission: try row.int64("commission"),
                refunds: try row.int64("refunds"), commissionRefunded: try row.int64("commission_refunded"),
                lineCount: try row.int("line_count")),
            netPayable: try row.int64("net_payable"), periodEnd: try row.date("period_end"), runStatus: status,
            createdAt: try row.date("created_at"))
    }

    /// The run with its statements (by vendor, then currency), or nil.
    public static func run(_ db: any Queryable, id: String) async throws -> SettlementRun? {
        guard
            let row = try await db.query(
                "SELECT id, status, period_end, created_at, approved_at, paid_at FROM settlement_runs WHERE id = $1", [id]
            ).first
        else { return nil }
        guard let status = SettlementRunStatus(rawValue: try row.string("status")) else {
            throw RowDecodingError(column: "status", reason: "unknown run status")
        }
        let statements = try await db.query(
            statementSelect + " WHERE s.run_id = $1 ORDER BY s.vendor_id, s.currency", [id]
        ).rows.map(decodeStatement)
        return SettlementRun(
            id: try row.string("id"), status: status, periodEnd: try row.date("period_end"),
            createdAt: try row.date("created_at"), approvedAt: try row.optionalDate("approved_at"),
            paidAt: try row.optionalDate("paid_at"), statements: statements)
    }

    /// Runs, newest first, each with its statements (`GET /v1/settlement-runs`).
    public static func runs(_ db: any Queryable, status: SettlementRunStatus?, page: PageRequest) async throws
        -> Page<SettlementRun>
    {
        let rows = try await db.query(
            """
            SELECT id, seq FROM settlement_runs WHERE seq < $1 AND ($2::text IS NULL OR status = $2)
            ORDER BY seq DESC LIMIT $3
            """, [try page.beforeSequence(), status?.rawValue, page.limit + 1]
        ).rows
        let paged = Page.bySequence(try rows.map { (try $0.string("id"), try $0.int64("seq")) }, limit: page.limit)
        var runs: [SettlementRun] = []
        for id in paged.items {
            if let run = try await run(db, id: id) { runs.append(run) }
        }
        return Page(items: runs, nextCursor: paged.nextCursor)
    }

    public static func runExists(_ db: any Queryable, id: String) async throws -> Bool {
        !(try await db.query("SELECT 1 FROM settlement_runs WHERE id = $1", [id]).isEmpty)
    }

    /// A vendor's statements across runs, oldest first.
    public static func vendorStatements(_ db: any Queryable, vendorId: String, page: PageRequest) async throws -> Page<Statement> {
        let afterSeq = try page.afterSequence()
        let rows = try await db.query(
            statementSelect + " WHERE s.vendor_id = $1 AND s.seq > $2 ORDER BY s.seq LIMIT $3",
            [vendorId, afterSeq, page.limit + 1]
        ).rows
        let keyed = try rows.map { (try decodeStatement($0), try $0.int64("seq")) }
        let paged = Page(fetched: keyed, limit: page.limit) { [String($0.1)] }
        return Page(items: paged.items.map(\.0), nextCursor: paged.nextCursor)
    }

    static func decodeLine(_ row: Row) throws -> StatementLine {
        guard let kind = SettlementLineKind(rawValue: try row.string("kind")) else {
            throw RowDecodingError(column: "kind", reason: "unknown line kind")
        }
        return StatementLine(
            kind: kind, suborderLineId: try row.string("suborder_line_id"), returnId: try row.optionalString("return_id"),
            returnLineId: try row.optionalString("return_line_id"), vendorId: try row.string("vendor_id"),
            currency: try row.string("currency"), sku: try row.string("sku"), quantity: try row.int("quantity"),
            amount: try row.int64("amount"), rateBps: try row.int("rate_bps"), commission: try row.int64("commission"),
            at: try row.date("at"))
    }

    static let lineColumns = """
        id, kind, suborder_line_id, return_id, return_line_id, vendor_id, currency, sku, quantity, amount, rate_bps,
        commission, at
        """

    /// One vendor's lines in a run (every currency), in the order they were settled. Not found
    /// when the run does not exist or has no statement for the vendor.
    public static func statementLines(
        _ db: any Queryable, runId: String, vendorId: String, page: PageRequest
    ) async throws -> Page<StatementLine> {
        let exists = try await db.query(
            "SELECT 1 FROM settlement_statements WHERE run_id = $1 AND vendor_id = $2 LIMIT 1", [runId, vendorId])
        guard !exists.isEmpty else {
            if try await runExists(db, id: runId) {
                throw DomainError.notFound("A statement of vendor \(vendorId) in settlement run \(runId)")
            }
            throw DomainError.notFound("Settlement run \(runId)")
        }
        let afterId = try page.afterSequence()
        let rows = try await db.query(
            "SELECT \(lineColumns) FROM settlement_lines WHERE run_id = $1 AND vendor_id = $2 AND id > $3 ORDER BY id LIMIT $4",
            [runId, vendorId, afterId, page.limit + 1]
        ).rows
        let keyed = try rows.map { (try decodeLine($0), try $0.int64("id")) }
        let paged = Page(fetched: keyed, limit: page.limit) { [String($0.1)] }
        return Page(items: paged.items.map(\.0), nextCursor: paged.nextCursor)
    }

    /// A slice of every line of a run, for the CSV export: lines after `afterId`, by id.
    public static func runLines(_ db: any Queryable, runId: String, afterId: Int64, limit: Int) async throws
        -> [(id: Int64, line: StatementLine)]
    {
        try await db.query(
            "SELECT \(lineColumns) FROM settlement_lines WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            [runId, afterId, limit]
        ).rows.map { (try $0.int64("id"), try decodeLine($0)) }
    }

    /// The run's postings in the order they were written (the run's own, then the payout's).
    public static func postings(_ db: any Queryable, runId: String, page: PageRequest) async throws -> Page<Posting> {
        guard try await runExists(db, id: runId) else { throw DomainError.notFound("Settlement run \(runId)") }
        let afterId = try page.afterSequence()
        let rows = try await db.query(
            """
            SELECT id, account, currency, amount, vendor_id, kind FROM ledger_postings
            WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3
            """, [runId, afterId, page.limit + 1]
        ).rows
        let keyed: [(Posting, Int64)] = try rows.map { row in
            guard let kind = PostingKind(rawValue: try row.string("kind")) else {
                throw RowDecodingError(column: "kind", reason: "unknown posting kind")
            }
            return (
                Posting(
                    account: try row.string("account"), currency: try row.string("currency"), amount: try row.int64("amount"),
                    vendorId: try row.string("vendor_id"), kind: kind),
                try row.int64("id")
            )
        }
        let paged = Page(fetched: keyed, limit: page.limit) { [String($0.1)] }
        return Page(items: paged.items.map(\.0), nextCursor: paged.nextCursor)
    }
}
