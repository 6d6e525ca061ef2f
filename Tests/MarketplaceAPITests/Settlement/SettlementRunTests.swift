import ArgumentParser
import CommerceCore
import Foundation
import NIOHTTP1
import Postgres
import Settlement
import SettlementCore
import Testing

@testable import MarketplaceAPI

private typealias W = SettlementWorld

/// End-to-end settlement. Serialized: a run settles every unsettled line in the database, so
/// two of these tests creating runs at once would take each other's lines. Other suites may
/// still deliver lines meanwhile; assertions are made on this test's own vendors and on
/// invariants of the whole database.
@Suite("Settlement runs, statements, ledger and export", .serialized)
struct SettlementEndToEndTests {
    @Test("commission rate: (vendor, category) › category › vendor › vendor rate › DEFAULT_COMMISSION_BPS, fixed at delivery, half-even")
    func ratesFixedAtDelivery() async throws {
        try await TestServer.run(configure: { $0.defaultCommissionBps = 1234 }) { server in
            let w = try await W.open(server)
            let c1 = Fixtures.unique("cat")
            let c2 = Fixtures.unique("cat")
            let c3 = Fixtures.unique("cat")
            let a = try await w.vendor(commissionRateBps: 800)
            let b = try await w.vendor()
            let c = try await w.vendor(commissionRateBps: 800)
            try await w.rule(vendorId: a, category: c1, rateBps: 1500)
            try await w.rule(category: c2, rateBps: 1200)
            try await w.rule(vendorId: a, rateBps: 900)

            let a1 = try await w.item(a, category: c1, price: 10)  // 1500: 3 × 10 = 30 → 4.5 → 4; 1 × 10 → 1.5 → 2
            let a1b = try await w.item(a, category: c1, price: 10)
            let a2 = try await w.item(a, category: c2, price: 1999)  // 1200 beats a's vendor rule: 239.88 → 240
            let a3 = try await w.item(a, category: c3, price: 50)  // vendor rule 900: 4.5 → 4
            let b3 = try await w.item(b, category: c3, price: 1000)  // no rule, no rate: default 1234 → 123.4 → 123
            let b2 = try await w.item(b, category: c2, price: 1000)  // category 1200: 2 × 1000 → 240
            let c3s = try await w.item(c, category: c3, price: 1250)  // c's own rate 800 → 100

            let delivered = try await w.deliver([(a1, 3), (a1b, 1), (a2, 1), (a3, 1), (b3, 1), (b2, 2), (c3s, 1)])
            #expect(delivered.count == 3)

            // The rates are on the lines from the moment of delivery.
            let ids = W.lineIds(delivered)
            let stored = try await server.pool.query(
                "SELECT sku, commission_rate_bps FROM suborder_lines WHERE id = ANY ($1::text[])", [ids])
            var rateBySku: [String: Int] = [:]
            for row in stored.rows { rateBySku[try row.string("sku")] = try row.optionalInt("commission_rate_bps") }
            #expect(rateBySku == [a1: 1500, a1b: 1500, a2: 1200, a3: 900, b3: 1234, b2: 1200, c3s: 800])

            // Rules changed after delivery do not touch delivered lines.
            try await w.rule(vendorId: a, category: c1, rateBps: 100)
            try await w.rule(vendorId: b, rateBps: 5000)

            let run = try await w.run()
            let runId = W.id(run)
            #expect(run["status"]?.stringValue == "draft")
            let sa = try #require(W.statement(run, vendor: a), "\(run)")
            #expect(sa["gross_sales"]?.intValue == Int64(30 + 10 + 1999 + 50))
            #expect(sa["commission"]?.intValue == Int64(4 + 2 + 240 + 4))
            #expect(sa["refunds"]?.intValue == 0)
            #expect(sa["commission_refunded"]?.intValue == 0)
            #expect(sa["net_payable"]?.intValue == Int64(2089 - 250))
            #expect(sa["line_count"]?.intValue == 4)
            #expect(sa["run_id"]?.stringValue == runId)
            let sb = try #require(W.statement(run, vendor: b))
            #expect(sb["gross_sales"]?.intValue == 3000)
            #expect(sb["commission"]?.intValue == Int64(123 + 240))
            #expect(sb["net_payable"]?.intValue == Int64(3000 - 363))
            let sc = try #require(W.statement(run, vendor: c))
            #expect(sc["commission"]?.intValue == 100)
            #expect(sc["line_count"]?.intValue == 1)

            // Lines of a's statement.
            let lines = try await w.lines(run: runId, vendor: a)
            #expect(lines.count == 4)
            let bySku = Dictionary(uniqueKeysWithValues: lines.map { ($0["sku"]?.stringValue ?? "", $0) })
            #expect(bySku[a1]?["amount"]?.intValue == 30)
            #expect(bySku[a1]?["quantity"]?.intValue == 3)
            #expect(bySku[a1]?["rate_bps"]?.intValue == 1500)
            #expect(bySku[a1]?["commission"]?.intValue == 4)
            #expect(bySku[a1b]?["commission"]?.intValue == 2)
            #expect(bySku[a2]?["rate_bps"]?.intValue == 1200)
            #expect(bySku[a3]?["rate_bps"]?.intValue == 900)
            for line in lines {
                #expect(line["kind"]?.stringValue == "sale")
                #expect(line["return_id"] == .null)
                #expect(line["currency"]?.stringValue == "EUR")
                #expect(line["vendor_id"]?.stringValue == a)
                #expect(ids.contains(line["suborder_line_id"]?.stringValue ?? ""))
            }
            // `at` is the suborder's delivered_at.
            let deliveredA = try #require(delivered.first { $0["vendor_id"]?.stringValue == a })
            #expect(lines.allSatisfy { $0["at"] == deliveredA["delivered_at"] }, "\(lines) vs \(deliveredA)")

            // Paging through the lines one at a time gives the same lines.
            var paged: [JSONValue] = []
            var after: String?
            repeat {
                let response = try await w.finance.get(
                    "/v1/settlement-runs/\(runId)/statements/\(a)/lines?limit=1" + (after.map { "&after=\($0)" } ?? ""))
                try #require(response.status == 200, "\(response)")
                #expect(response.data.count <= 1)
                paged += response.data
                after = response["next_cursor"]?.stringValue
            } while after != nil
            #expect(paged == lines)

            try await w.expectBalanced(run: runId)
            try await w.expectNoLineSettledTwice()
        }
    }

    @Test("period_end is inclusive; each line is settled once; later runs pick up what came after")
    func periodEndAndExactlyOnce() async throws {
        try await TestServer.run { server in
            let w = try await W.open(server)
            let category = Fixtures.unique("cat")
            let v = try await w.vendor(commissionRateBps: 1000)
            let x = try await w.item(v, category: category, price: 500)
            let first = try await w.deliver([(x, 1)])
            let firstAt = try #require(first.first?["delivered_at"]?.stringValue.flatMap(RFC3339.parse))
            try await Task.sleep(for: .milliseconds(20))
            let second = try await w.deliver([(x, 2)])

            // Exactly at the first delivery: the first line only.
            let run1 = try await w.run(periodEnd: firstAt)
            #expect(run1["period_end"]?.stringValue == RFC3339.format(firstAt))
            let s1 = try #require(W.statement(run1, vendor: v), "\(run1)")
            #expect(s1["gross_sales"]?.intValue == 500)
            #expect(s1["commission"]?.intValue == 50)
            #expect(s1["line_count"]?.intValue == 1)
            let lines1 = try await w.lines(run: W.id(run1), vendor: v)
            #expect(lines1.map { $0["suborder_line_id"]?.stringValue } == W.lineIds(first).map { Optional($0) })

            // Up to now: the second only; the first is not settled again.
            let run2 = try await w.run()
            let s2 = try #require(W.statement(run2, vendor: v))
            #expect(s2["gross_sales"]?.intValue == 1000)
            #expect(s2["line_count"]?.intValue == 1)
            let lines2 = try await w.lines(run: W.id(run2), vendor: v)
            #expect(lines2.map { $0["suborder_line_id"]?.stringValue } == W.lineIds(second).map { Optional($0) })

            // Nothing left for this vendor.
            let run3 = try await w.run()
            #expect(W.statements(run3, vendor: v).isEmpty)
            let missing = try await w.finance.get("/v1/settlement-runs/\(W.id(run3))/statements/\(v)/lines")
            #expect(missing.status == 404 && missing.problemCode == "not-found", "\(missing)")

            // A period that ends before anything was delivered settles nothing, and still makes a run.
            let empty = try await w.finance.post("/v1/settlement-runs", ["period_end": "2000-01-01T00:00:00Z"])
            #expect(empty.status == 201, "\(empty)")
            #expect(empty["statements"]?.arrayValue == [])
            #expect(empty["status"]?.stringValue == "draft")

            let counts = try await w.settledCounts(suborderLineIds: W.lineIds(first + second))
            #expect(counts == Dictionary(uniqueKeysWithValues: W.lineIds(first + second).map { ($0, 1) }))

            // The vendor's statements across runs, oldest first, paged.
            let statements = try await w.all("/v1/vendors/\(v)/statements", limit: 1)
            #expect(statements.map { $0["run_id"]?.stringValue } == [W.id(run1), W.id(run2)].map { Optional($0) })
            #expect(statements.map { $0["gross_sales"]?.intValue } == [500, 1000])
            #expect(statements.allSatisfy { $0["run_status"]?.stringValue == "draft" })

            try await w.expectBalanced(run: W.id(run1))
            try await w.expectBalanced(run: W.id(run2))
            try await w.expectNoLineSettledTwice()
        }
    }

    @Test("draft → approved → paid with payout postings; other transitions 409; 404s; roles; idempotent create")
    func lifecycleAndAccess() async throws {
        try await TestServer.run { server in
            let w = try await W.open(server)
            let v = try await w.vendor(commissionRateBps: 1250)
            let other = try await w.vendor()
            let x = try await w.item(v, category: Fixtures.unique("cat"), price: 1999)
            try await w.deliver([(x, 3)])  // 5997, commission 749.625 → 750

            // Idempotent create: the same key and body answer the same run.
            let key = Fixtures.unique("idem")
            let run = try await w.run(headers: [("Idempotency-Key", key)])
            let runId = W.id(run)
            let replay = try await w.finance.post(
                "/v1/settlement-runs", ["period_end": run["period_end"]!], headers: [("Idempotency-Key", key)])
            #expect(replay.status == 201)
            #expect(W.id(replay.json) == runId)
            #expect(replay.headers.first(name: "Idempotent-Replayed") == "true")

            let statement = try #require(W.statement(run, vendor: v))
            #expect(statement["net_payable"]?.intValue == Int64(5997 - 750))
            let got = try await w.finance.get("/v1/settlement-runs/\(runId)")
            #expect(got.status == 200)
            #expect(got.json == run)

            // Postings: three per statement, for this vendor exactly these.
            let runPostings = try await w.postings(run: runId).filter { $0["vendor_id"]?.stringValue == v }
            #expect(
                runPostings == [
                    ["account": "marketplace:clearing", "currency": "EUR", "amount": 5997, "vendor_id": .string(v), "kind": "run"],
                    [
                        "account": .string("vendor:\(v):payable"), "currency": "EUR", "amount": -5247, "vendor_id": .string(v),
                        "kind": "run",
                    ],
                    ["account": "marketplace:commission", "currency": "EUR", "amount": -750, "vendor_id": .string(v), "kind": "run"],
                ])

            // Transitions.
            let payDraft = try await w.finance.post("/v1/settlement-runs/\(runId)/pay")
            #expect(payDraft.status == 409 && payDraft.problemCode == "invalid-transition", "\(payDraft)")
            let approved = try await w.finance.post("/v1/settlement-runs/\(runId)/approve")
            #expect(approved.status == 200, "\(approved)")
            #expect(approved["status"]?.stringValue == "approved")
            #expect(approved["approved_at"]?.stringValue != nil)
            #expect(approved["paid_at"] == .null)
            let again = try await w.finance.post("/v1/settlement-runs/\(runId)/approve")
            #expect(again.status == 409 && again.problemCode == "invalid-transition", "\(again)")
            let paid = try await server.admin.post("/v1/settlement-runs/\(runId)/pay")
            #expect(paid.status == 200, "\(paid)")
            #expect(paid["status"]?.stringValue == "paid")
            #expect(paid["paid_at"]?.stringValue != nil)
            #expect(W.statement(paid.json, vendor: v)?["run_status"]?.stringValue == "paid")
            let payAgain = try await w.finance.post("/v1/settlement-runs/\(runId)/pay")
            #expect(payAgain.status == 409 && payAgain.problemCode == "invalid-transition", "\(payAgain)")
            let approvePaid = try await w.finance.post("/v1/settlement-runs/\(runId)/approve")
            #expect(approvePaid.status == 409 && approvePaid.problemCode == "invalid-transition")

            let allPostings = try await w.postings(run: runId).filter { $0["vendor_id"]?.stringValue == v }
            #expect(
                Array(allPostings.suffix(2)) == [
                    ["account": .string("vendor:\(v):payable"), "currency": "EUR", "amount": 5247, "vendor_id": .string(v), "kind": "pay"],
                    ["account": "marketplace:cash", "currency": "EUR", "amount": -5247, "vendor_id": .string(v), "kind": "pay"],
                ])
            // Per vendor the payable nets out once paid.
            let payable = allPostings.filter { $0["account"]?.stringValue == "vendor:\(v):payable" }.compactMap { $0["amount"]?.intValue }
            #expect(payable.reduce(0, +) == 0)
            try await w.expectBalanced(run: runId)

            // Unknown runs.
            for path in [
                "/v1/settlement-runs/setl_nope", "/v1/settlement-runs/setl_nope/postings", "/v1/settlement-runs/setl_nope/export.csv",
                "/v1/settlement-runs/setl_nope/statements/\(v)/lines",
            ] {
                let response = try await w.finance.get(path)
                #expect(response.status == 404 && response.problemCode == "not-found", "\(path): \(response)")
            }
            for action in ["approve", "pay"] {
                let response = try await w.finance.post("/v1/settlement-runs/setl_nope/\(action)")
                #expect(response.status == 404 && response.problemCode == "not-found", "\(action): \(response)")
            }
            // A vendor without a statement in the run.
            let none = try await w.finance.get("/v1/settlement-runs/\(runId)/statements/\(other)/lines")
            #expect(none.status == 404, "\(none)")

            // Validation.
            let missing = try await w.finance.post("/v1/settlement-runs", ["period": "x"])
            #expect(missing.status == 422 && Set(missing.errorFields) == ["period_end", "period"], "\(missing)")
            let bad = try await w.finance.post("/v1/settlement-runs", ["period_end": "2026-11-30"])
            #expect(bad.status == 422 && bad.errorFields == ["period_end"], "\(bad)")
            let wrongType = try await w.finance.post("/v1/settlement-runs", ["period_end": 5])
            #expect(wrongType.status == 422 && wrongType.errorFields == ["period_end"], "\(wrongType)")
            let badLimit = try await w.finance.get("/v1/settlement-runs/\(runId)/postings?limit=0")
            #expect(badLimit.status == 422 && badLimit.errorFields == ["limit"], "\(badLimit)")
            let badCursor = try await w.finance.get("/v1/vendors/\(v)/statements?after=nonsense!")
            #expect(badCursor.status == 422 && badCursor.errorFields == ["after"], "\(badCursor)")

            // Roles: finance and operator run settlement; channel and vendor may not; no token is 401.
            let vendorKey = try await w.fixtures.key(role: "vendor", vendorId: v)
            for client in [w.storefront, vendorKey] {
                #expect(try await client.get("/v1/settlement-runs/\(runId)").status == 403)
                #expect(try await client.post("/v1/settlement-runs", ["period_end": "2000-01-01T00:00:00Z"]).status == 403)
                #expect(try await client.get("/v1/settlement-runs/\(runId)/export.csv").status == 403)
                #expect(try await client.get("/v1/settlement-runs/\(runId)/postings").status == 403)
                #expect(try await client.post("/v1/settlement-runs/\(runId)/approve").status == 403)
                #expect(try await client.get("/v1/settlement-runs/\(runId)/statements/\(v)/lines").status == 403)
            }
            let anonymous = server.client(token: nil)
            #expect(try await anonymous.get("/v1/settlement-runs/\(runId)").status == 401)
            #expect(try await anonymous.get("/v1/vendors/\(v)/statements").status == 401)
            #expect(try await server.admin.get("/v1/settlement-runs/\(runId)").status == 200)

            // A vendor reads its own statements; another vendor's are 404; channels 403.
            let own = try await vendorKey.get("/v1/vendors/\(v)/statements")
            #expect(own.status == 200, "\(own)")
            #expect(own.data.map { $0["run_id"]?.stringValue } == [runId])
            #expect(own.data.first?["net_payable"]?.intValue == 5247)
            #expect(own["next_cursor"] == .null)
            let foreign = try await vendorKey.get("/v1/vendors/\(other)/statements")
            #expect(foreign.status == 404 && foreign.problemCode == "not-found", "\(foreign)")
            #expect(try await w.storefront.get("/v1/vendors/\(v)/statements").status == 403)
            let otherOwn = try await w.finance.get("/v1/vendors/\(other)/statements")
            #expect(otherOwn.status == 200 && otherOwn.data.isEmpty)
            let unknownVendor = try await w.finance.get("/v1/vendors/ven_nope/statements")
            #expect(unknownVendor.status == 404, "\(unknownVendor)")
        }
    }

    @Test("one statement per (vendor, currency); postings balance per currency")
    func currencies() async throws {
        try await TestServer.run { server in
            let w = try await W.open(server)
            let v = try await w.vendor(commissionRateBps: 1000)
            let category = Fixtures.unique("cat")
            let eur = try await w.item(v, category: category, price: 1000, currency: "EUR")
            let usd = try await w.item(v, category: category, price: 777, currency: "USD")
            try await w.deliver([(eur, 1)], currency: "EUR")
            try await w.deliver([(usd, 3)], currency: "USD")
            let run = try await w.run()
            let statements = W.statements(run, vendor: v)
            #expect(statements.map { $0["currency"]?.stringValue } == ["EUR", "USD"])
            #expect(W.statement(run, vendor: v, currency: "EUR")?["gross_sales"]?.intValue == 1000)
            #expect(W.statement(run, vendor: v, currency: "USD")?["gross_sales"]?.intValue == 2331)
            #expect(W.statement(run, vendor: v, currency: "USD")?["commission"]?.intValue == 233)  // 233.1
            let lines = try await w.lines(run: W.id(run), vendor: v)
            #expect(Set(lines.compactMap { $0["currency"]?.stringValue }) == ["EUR", "USD"])
            try await w.expectBalanced(run: W.id(run))
        }
    }

    @Test("CSV export: header row, one RFC 4180 row per line")
    func csvExport() async throws {
        try await TestServer.run { server in
            let w = try await W.open(server)
            let v = try await w.vendor(commissionRateBps: 1000)
            // A SKU that needs quoting in CSV (written straight to the database: it cannot travel in a URL path as is).
            let sku = "MUG,\"BIG\"-" + Fixtures.unique("x")
            try await server.pool.query("INSERT INTO products (sku, title, category) VALUES ($1, 'Mug', 'kitchen')", [sku])
            try await server.pool.query(
                "INSERT INTO offers (vendor_id, sku, unit_price, currency, active) VALUES ($1, $2, 250, 'EUR', true)", [v, sku])
            try await server.pool.query("INSERT INTO stock (vendor_id, location, sku, on_hand) VALUES ($1, 'WH1', $2, 10)", [v, sku])
            let delivered = try await w.deliver([(sku, 2)])
            let run = try await w.run()
            let runId = W.id(run)
            let response = try await w.finance.get("/v1/settlement-runs/\(runId)/export.csv")
            #expect(response.status == 200)
            #expect(response.contentType?.hasPrefix("text/csv") == true, "\(response.contentType ?? "")")
            let text = response.text
            #expect(
                text.hasPrefix("run_id,vendor_id,currency,kind,suborder_line_id,return_id,sku,quantity,amount,rate_bps,commission,at\r\n"))
            let lineId = W.lineIds(delivered)[0]
            let at = try #require(delivered[0]["delivered_at"]?.stringValue)
            let quotedSku = "\"" + sku.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            #expect(text.contains("\(runId),\(v),EUR,sale,\(lineId),,\(quotedSku),2,500,1000,50,\(at)\r\n"), "\(text.prefix(2000))")
            // As many rows as the run has lines (every vendor's), each starting with the run id.
            let total = try await server.pool.query("SELECT count(*) AS c FROM settlement_lines WHERE run_id = $1", [runId]).first?.int("c")
            let rows = text.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
            #expect(rows.count == total)
            #expect(rows.allSatisfy { $0.hasPrefix(runId + ",") })
        }
    }

    @Test("5 runs started at once: each answers 201 or 409 conflict, and every line lands in exactly one run")
    func concurrentRuns() async throws {
        try await TestServer.run { server in
            let w = try await W.open(server)
            let v = try await w.vendor(commissionRateBps: 1000)
            let category = Fixtures.unique("cat")
            var lineIds: [String] = []
            for price in [100, 200, 300] as [Int64] {
                let sku = try await w.item(v, category: category, price: price)
                lineIds += W.lineIds(try await w.deliver([(sku, 1)]))
            }
            let finance = w.finance
            let responses = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await finance.post("/v1/settlement-runs", ["period_end": .string(RFC3339.format(Date()))])
                    }
                }
                var out: [APIResponse] = []
                for try await response in group { out.append(response) }
                return out
            }
            for response in responses {
                #expect(response.status == 201 || (response.status == 409 && response.problemCode == "conflict"), "\(response)")
            }
            #expect(responses.contains { $0.status == 201 })
            let created = responses.filter { $0.status == 201 }.map(\.json)
            let withVendor = created.filter { !W.statements($0, vendor: v).isEmpty }
            #expect(withVendor.count == 1, "the vendor's lines must be in exactly one of the runs")
            #expect(W.statement(withVendor.first ?? .null, vendor: v)?["gross_sales"]?.intValue == 600)
            #expect(try await w.settledCounts(suborderLineIds: lineIds) == Dictionary(uniqueKeysWithValues: lineIds.map { ($0, 1) }))
            for run in created { try await w.expectBalanced(run: W.id(run)) }
            try await w.expectNoLineSettledTwice()
        }
    }

    @Test("settlement.statement_created goes to the vendor in the run's transaction, data = the statement")
    func statementEvent() async throws {
        try await TestServer.run { server in
            let w = try await W.open(server)
            let v = try await w.vendor(commissionRateBps: 1000)
            let endpoint = try await server.admin.post(
                "/v1/vendors/\(v)/webhook-endpoints", ["url": "http://127.0.0.1:9/hook", "events": ["settlement.statement_created"]])
            #expect(endpoint.status == 201, "\(endpoint)")
            let sku = try await w.item(v, category: Fixtures.unique("cat"), price: 100)
            try await w.deliver([(sku, 1)])
            let run = try await w.run()
            let statement = try #require(W.statement(run, vendor: v))
            let events = try await server.pool.query(
                "SELECT payload::text AS p FROM outbox_events WHERE vendor_id = $1 AND type = 'settlement.statement_created'", [v])
            #expect(events.rows.count == 1)
            let payload = try JSONParser.parse(Array(try events.rows[0].string("p").utf8))
            #expect(payload["type"]?.stringValue == "settlement.statement_created")
            #expect(payload["data"]?["run_id"]?.stringValue == W.id(run))
            // jsonb reorders keys: compare field by field.
            for key in statement.objectValue?.keys ?? [] {
                #expect(payload["data"]?[key] == statement[key], "\(key)")
            }
            let deliveries = try await server.admin.get("/v1/vendors/\(v)/webhook-deliveries")
            #expect(deliveries.data.map { $0["type"]?.stringValue } == ["settlement.statement_created"], "\(deliveries)")
        }
    }

    @Test("a delivered line without a recorded rate gets it fixed by the run, from the rules then in force")
    func lineWithoutRate() async throws {
        try await TestServer.run(configure: { $0.defaultCommissionBps = 700 }) { server in
            let w = try await W.open(server)
            let v = try await w.vendor()
            let sku = try await w.item(v, category: Fixtures.unique("cat"), price: 1000)
            let delivered = try await w.deliver([(sku, 1)])
            let lineId = W.lineIds(delivered)[0]
            // As if delivered before rates were recorded.
            try await server.pool.query("UPDATE suborder_lines SET commission_rate_bps = NULL WHERE id = $1", [lineId])
            let run = try await w.run()
            #expect(W.statement(run, vendor: v)?["commission"]?.intValue == 70)
            let stored = try await server.pool.query("SELECT commission_rate_bps FROM suborder_lines WHERE id = $1", [lineId])
            #expect(try stored.first?.optionalInt("commission_rate_bps") == 700)
        }
    }

    @Test("marketplace settle: the CLI creates a run like the API")
    func settleCommand() async throws {
        #expect(throws: (any Error).self) { try Settle.parse(["--period-end", "yesterday"]) }
        #expect(throws: (any Error).self) { try Settle.parse([]) }
        let parsed = try Settle.parse(["--period-end", "2026-11-30T23:59:59Z"])
        #expect(parsed.periodEnd == "2026-11-30T23:59:59Z")
        // One connection, so the run's transaction and the reads around it share a session: the
        // larger work_mem a run is built with must end with its transaction.
        try await TestServer.run(configure: { $0.poolSize = 1 }) { server in
            let w = try await W.open(server)
            let v = try await w.vendor(commissionRateBps: 1000)
            let sku = try await w.item(v, category: Fixtures.unique("cat"), price: 100)
            try await w.deliver([(sku, 1)])
            let workMem = try await server.pool.query("SHOW work_mem").first?.string("work_mem")
            let run = try await Settle.createRun(
                server.pool, migrator: try TestDatabase.migrator(), periodEnd: Date(), defaultCommissionBps: 1000)
            #expect(try await server.pool.query("SHOW work_mem").first?.string("work_mem") == workMem)
            #expect(run.status == .draft)
            #expect(W.statement(run.json, vendor: v)?["gross_sales"]?.intValue == 100)
            let got = try await w.finance.get("/v1/settlement-runs/\(run.id)")
            #expect(got.json == run.json)
        }
    }
}
