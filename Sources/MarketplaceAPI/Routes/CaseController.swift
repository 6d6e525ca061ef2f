import CommerceCore
import CustomerService
import CustomerServiceCore
import Foundation
import Hummingbird
import Postgres
import VendorRouting

/// Customer-service cases: opening, reading, messages, resolving, the vendor's list.
struct CaseController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.post("/v1/cases") { request, context in
            let principal = try context.require(.channel, .operator)
            let body = try await request.jsonBody(context: context)
            let input = try CaseInput.parse(body.value, principal: principal)
            let caller = try principal.caller()
            let window = services.config.caseFirstResponseSeconds
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(
                    .created, try await CaseLifecycle.open(tx, input, caller: caller, firstResponseSeconds: window).json)
            }
        }

        routes.get("/v1/cases") { request, context in
            try context.require(.channel, .operator)
            var q = QueryParameters(request)
            let status = q.oneOf("status", CaseStatus.self)
            let orderId = q.string("order_id")
            let page = q.page()
            try q.check()
            return .json(try await CaseStore.list(services.pool, status: status, orderId: orderId, page: page).json)
        }

        routes.get("/v1/cases/{id}") { _, context in
            let principal = try context.require(.channel, .operator, .vendor)
            let id = try context.path("id")
            return .json(try await CaseLifecycle.read(services.pool, id: id, caller: try principal.caller()).json)
        }

        routes.post("/v1/cases/{id}/messages") { request, context in
            let principal = try context.require(.channel, .operator, .vendor)
            let id = try context.path("id")
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let text = f.string("body", maxLength: CaseInput.maxMessageLength)
            try f.check()
            let caller = try principal.caller()
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(.created, try await CaseLifecycle.post(tx, caseId: id, body: text!, caller: caller).json)
            }
        }

        routes.post("/v1/cases/{id}/resolve") { request, context in
            let principal = try context.require(.channel, .operator)
            let id = try context.path("id")
            let body = try await request.optionalJSONBody(context: context)
            try Fields.requireNone(body)
            let caller = try principal.caller()
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(.ok, try await CaseLifecycle.resolve(tx, caseId: id, caller: caller).json)
            }
        }

        routes.get("/v1/vendors/{vendor_id}/cases") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let page = try request.pageRequest()
            let status: CaseStatus? = try request.statusFilter()
            try await CatalogStore.requireVendor(services.pool, id: vendorId)
            return .json(try await CaseStore.vendorCases(services.pool, vendorId: vendorId, status: status, page: page).json)
        }
    }
}
