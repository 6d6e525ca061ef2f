import CommerceCore
import Foundation
import Hummingbird
import NIOCore
import Postgres
import Settlement
import SettlementCore
import VendorRouting

/// Settlement runs, their statements, lines, CSV export and ledger postings (finance or
/// operator), and a vendor's own statements. The server never starts a run by itself.
struct SettlementController: Controller {
    let services: AppServices

    /// Lines read per database round trip while the CSV streams out.
    static let csvBatch = 1000

    func addRoutes(to routes: Routes) {
        routes.post("/v1/settlement-runs") { request, context in
            try context.require(.finance, .operator)
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let periodEnd = f.timestamp("period_end")
            try f.check()
            let defaultBps = services.config.defaultCommissionBps
            return try await services.commands.run(request, context, body: body) { tx in
                let run = try await SettlementStore.createRun(tx, periodEnd: periodEnd!, defaultCommissionBps: defaultBps)
                return CommandResult(.created, run.json)
            }
        }

        routes.get("/v1/settlement-runs") { request, context in
            try context.require(.finance, .operator)
            var q = QueryParameters(request)
            let status = q.oneOf("status", SettlementRunStatus.self)
            let page = q.page()
            try q.check()
            return .json(try await SettlementStore.runs(services.pool, status: status, page: page).json)
        }

        routes.get("/v1/settlement-runs/{id}") { _, context in
            try context.require(.finance, .operator)
            let id = try context.path("id")
            guard let run = try await SettlementStore.run(services.pool, id: id) else {
                throw DomainError.notFound("Settlement run \(id)")
            }
            return .json(run.json)
        }

        routes.get("/v1/settlement-runs/{id}/statements/{vendor_id}/lines") { request, context in
            try context.require(.finance, .operator)
            let id = try context.path("id")
            let vendorId = try context.path("vendor_id")
            let page = try request.pageRequest()
            let lines = try await SettlementStore.statementLines(services.pool, runId: id, vendorId: vendorId, page: page)
            return .json(lines.json)
        }

        routes.get("/v1/settlement-runs/{id}/postings") { request, context in
            try context.require(.finance, .operator)
            let id = try context.path("id")
            let page = try request.pageRequest()
            return .json(try await SettlementStore.postings(services.pool, runId: id, page: page).json)
        }

        routes.get("/v1/settlement-runs/{id}/export.csv") { _, context in
            try context.require(.finance, .operator)
            let id = try context.path("id")
            guard try await SettlementStore.runExists(services.pool, id: id) else {
                throw DomainError.notFound("Settlement run \(id)")
            }
            // A run's lines never change once it is committed, so reading them in keyset slices
            // while streaming gives the same rows as one big read, without holding them all.
            let pool = services.pool
            let body = ResponseBody { writer in
                try await writer.write(ByteBuffer(string: SettlementCSV.header))
                var after: Int64 = 0
                while true {
                    let slice = try await SettlementStore.runLines(pool, runId: id, afterId: after, limit: Self.csvBatch)
                    guard let last = slice.last else { break }
                    var text = ""
                    for entry in slice { text += SettlementCSV.row(runId: id, entry.line) }
                    try await writer.write(ByteBuffer(string: text))
                    after = last.id
                    if slice.count < Self.csvBatch { break }
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8; header=present",
                    .contentDisposition: "attachment; filename=\"settlement-\(id).csv\"",
                ],
                body: body)
        }

        transition("approve", .approve, routes)
        transition("pay", .pay, routes)

        routes.get("/v1/vendors/{vendor_id}/statements") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .finance, .operator)
            let page = try request.pageRequest()
            try await CatalogStore.requireVendor(services.pool, id: vendorId)
            return .json(try await SettlementStore.vendorStatements(services.pool, vendorId: vendorId, page: page).json)
        }
    }

    /// `POST /v1/settlement-runs/{id}/<name>`: finance or operator.
    private func transition(_ name: String, _ action: SettlementRunAction, _ routes: Routes) {
        routes.post("/v1/settlement-runs/{id}/\(name)") { request, context in
            try context.require(.finance, .operator)
            let id = try context.path("id")
            let body = try await request.optionalJSONBody(context: context)
            try Fields.requireNone(body)
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(.ok, try await SettlementStore.transition(tx, runId: id, action).json)
            }
        }
    }
}
