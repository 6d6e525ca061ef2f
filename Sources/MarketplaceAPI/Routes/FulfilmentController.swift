import CommerceCore
import Foundation
import Hummingbird
import Logging
import OrderCore
import Postgres
import Settlement
import VendorRouting

/// Vendor fulfilment: the change feed, suborder actions and the SLA sweep.
struct FulfilmentController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.get("/v1/vendors/{vendor_id}/suborders") { request, context in
            let vendorId = try context.path("vendor_id")
            let principal = try context.requireVendor(vendorId, or: .operator)
            let limit = try request.pageRequest().limit  // validates limit; the cursor is the feed's own
            var errors: [FieldError] = []
            var cursor = (xid: "0", seq: Int64(0))
            if let after = request.queryValue("after"), !after.isEmpty {
                if let key = PageCursor.decode(after), key.count == 2, UInt64(key[0]) != nil, let seq = Int64(key[1]) {
                    cursor = (key[0], seq)
                } else {
                    errors.append(FieldError("after", "is not a cursor this feed returned"))
                }
            }
            var status: SuborderStatus?
            if let text = request.queryValue("status"), !text.isEmpty {
                status = SuborderStatus(rawValue: text)
                if status == nil {
                    errors.append(
                        FieldError("status", "must be one of \(SuborderStatus.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
            }
            guard errors.isEmpty else { throw DomainError.validation(errors) }
            let rows = try await OrderStore.feed(services.pool, vendorId: vendorId, after: cursor, status: status, limit: limit)
            // A poll is one round trip: a vendor's own key proves its vendor exists (keys
            // reference vendors, which are never deleted), and so does a page with rows; only
            // an operator's empty page must still tell an unknown vendor (404) from a quiet one.
            if principal.role != .vendor, rows.isEmpty {
                try await CatalogStore.requireVendor(services.pool, id: vendorId)
            }
            let next = rows.last.map { [$0.xid, String($0.seq)] } ?? [cursor.xid, String(cursor.seq)]
            // Written straight to bytes: the page is the API's biggest frequent answer.
            var out = JSONOutput(capacity: 256 + rows.count * 1200)
            out.beginObject()
            out.key("data")
            out.beginArray()
            for row in rows { row.0.write(to: &out, forVendor: principal.role == .vendor) }
            out.endArray()
            out.key("next_cursor")
            out.string(PageCursor.encode(next))
            out.endObject()
            return .json(bytes: out.bytes, status: .ok)
        }

        routes.get("/v1/vendors/{vendor_id}/scorecard") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            var q = QueryParameters(request)
            let days = q.int("days", min: 1, max: VendorScorecard.maxDays) ?? VendorScorecard.defaultDays
            try q.check()
            try await CatalogStore.requireVendor(services.pool, id: vendorId)
            return .json(try await ScorecardStore.scorecard(services.pool, vendorId: vendorId, days: days).json)
        }

        routes.get("/v1/suborders/{id}") { _, context in
            let principal = try context.require(.vendor, .operator, .channel)
            let id = try context.path("id")
            guard let suborder = try await OrderStore.suborder(services.pool, id: id),
                principal.role != .vendor || suborder.vendorId == principal.vendorId
            else { throw DomainError.notFound("Suborder \(id)") }
            return .json(suborder.json(forVendor: principal.role == .vendor))
        }

        action("accept", .accept, routes) { body in
            guard let body else { return ActionDetails() }
            return ActionDetails(refusals: try AcceptInput.refusals(body))
        }
        action("reject", .reject, routes) { body in
            var f = Fields(body ?? .null)
            let reason = f.string("reason", maxLength: 1000)
            try f.check()
            return ActionDetails(reason: reason)
        }
        action("ship", .ship, routes) { body in
            var f = Fields(body ?? .null)
            // Required for a delivery, optional for a pickup: the lifecycle knows which it is.
            let carrier = f.string("carrier", required: false, maxLength: 100)
            let tracking = f.string("tracking_number", required: false, maxLength: 200)
            try f.check()
            return ActionDetails(carrier: carrier, trackingNumber: tracking)
        }
        action("deliver", .deliver, routes) { body in
            try Fields.requireNone(body)
            return ActionDetails()
        }
        action("cancel", .cancel, routes) { body in
            var f = Fields(body ?? .null)
            let reason = f.string("reason", maxLength: 1000)
            try f.check()
            return ActionDetails(reason: reason)
        }

        routes.post("/v1/jobs/sla-sweep") { request, context in
            try context.require(.operator)
            try Fields.requireNone(try await request.optionalJSONBody(context: context))
            let logger = context.logger
            let outcome = try await SLASweep.run(
                services.pool,
                onFailure: { id, error in
                    logger.error("sla sweep skipped a suborder", metadata: ["suborder": "\(id)", "error": "\(error)"])
                })
            return .json(["expired": .int(Int64(outcome.expired))])
        }
    }

    /// `POST /v1/suborders/{id}/<name>`: the owning vendor or an operator.
    private func action(
        _ name: String, _ action: SuborderAction, _ routes: Routes,
        details: @escaping @Sendable (JSONValue?) throws -> ActionDetails
    ) {
        routes.post("/v1/suborders/{id}/\(name)") { request, context in
            let principal = try context.require(.vendor, .operator)
            let id = try context.path("id")
            let body = try await request.optionalJSONBody(context: context)
            let parsed = try details(body?.value)
            let scope = principal.role == .vendor ? principal.vendorId : nil
            return try await services.commands.run(request, context, body: body) { tx in
                let suborder = try await SuborderLifecycle.perform(
                    tx, suborderId: id, action: action, details: parsed, vendorScope: scope)
                if action == .deliver {
                    // The commission rate of each delivered line is fixed now, in the same transaction.
                    try await CommissionRates.fixForSuborder(
                        tx, suborderId: suborder.id, defaultBps: services.config.defaultCommissionBps)
                }
                return CommandResult(.ok, suborder.json(forVendor: scope != nil))
            }
        }
    }
}
