import CommerceCore
import CustomerService
import CustomerServiceCore
import Foundation
import Hummingbird
import Postgres
import VendorRouting

/// Returns across channels: requests, the vendor's view, approve / receive / reject.
struct ReturnController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.post("/v1/returns") { request, context in
            let principal = try context.require(.channel, .operator)
            let body = try await request.jsonBody(context: context)
            let input = try ReturnInput.parse(body.value, principal: principal)
            let caller = try principal.caller()
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(.created, try await ReturnLifecycle.create(tx, input, caller: caller).json)
            }
        }

        routes.get("/v1/returns") { request, context in
            try context.require(.channel, .operator)
            var q = QueryParameters(request)
            let status = q.oneOf("status", ReturnStatus.self)
            let orderId = q.string("order_id")
            let page = q.page()
            try q.check()
            return .json(try await ReturnStore.list(services.pool, status: status, orderId: orderId, page: page).json)
        }

        routes.get("/v1/returns/{id}") { _, context in
            let principal = try context.require(.channel, .operator, .vendor)
            let id = try context.path("id")
            return .json(try await ReturnLifecycle.read(services.pool, id: id, caller: try principal.caller()).json)
        }

        routes.get("/v1/vendors/{vendor_id}/returns") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let page = try request.pageRequest()
            let status: ReturnStatus? = try request.statusFilter()
            try await CatalogStore.requireVendor(services.pool, id: vendorId)
            return .json(try await ReturnStore.vendorReturns(services.pool, vendorId: vendorId, status: status, page: page).json)
        }

        action(.approve, routes) { body in
            try Fields.requireNone(body)
            return ReturnActionDetails()
        }
        action(.reject, routes) { body in
            var f = Fields(body ?? .null)
            let reason = f.string("reason", maxLength: 1000)
            try f.check()
            return ReturnActionDetails(reason: reason)
        }
        action(.receive, routes) { body in
            var f = Fields(body ?? .null)
            var received: [ReturnRules.ReceivedLine] = []
            if let elements = f.array("lines", minCount: 1, maxCount: 200) {
                for (i, element) in elements.enumerated() {
                    var line = Fields(element, path: "lines[\(i)]")
                    let lineId = line.string("suborder_line_id", maxLength: 100)
                    let quantity = line.smallInt("quantity", min: 0, max: 100_000)
                    let restock = line.bool("restock")
                    f.absorb(line)
                    if let lineId, let quantity, let restock {
                        received.append(ReturnRules.ReceivedLine(suborderLineId: lineId, quantity: quantity, restock: restock))
                    }
                }
            }
            try f.check()
            return ReturnActionDetails(received: received)
        }
    }

    /// `POST /v1/returns/{id}/<action>`: a vendor owning every line of the return, or an operator.
    private func action(
        _ action: ReturnAction, _ routes: Routes, details: @escaping @Sendable (JSONValue?) throws -> ReturnActionDetails
    ) {
        routes.post("/v1/returns/{id}/\(action.rawValue)") { request, context in
            let principal = try context.require(.vendor, .operator)
            let id = try context.path("id")
            let body = try await request.optionalJSONBody(context: context)
            let parsed = try details(body?.value)
            let caller = try principal.caller()
            return try await services.commands.run(request, context, body: body) { tx in
                try await forbiddingDenied {
                    CommandResult(
                        .ok,
                        try await ReturnLifecycle.perform(tx, returnId: id, action: action, details: parsed, caller: caller).json)
                }
            }
        }
    }
}

extension Principal {
    /// The caller as the customer-service domain sees it. Only operator, channel and vendor
    /// tokens reach these routes (each checks its roles first).
    func caller() throws -> Caller {
        switch role {
        case .operator: return Caller(role: .operator)
        case .channel: return Caller(role: .channel, channel: channel)
        case .vendor: return Caller(role: .vendor, vendorId: vendorId)
        case .finance: throw Problem.forbidden()
        }
    }
}

extension Request {
    /// `?status=` as one of `E`'s values, or nil when absent; 422 naming `status` otherwise.
    func statusFilter<E: RawRepresentable & CaseIterable>() throws -> E? where E.RawValue == String {
        guard let text = queryValue("status"), !text.isEmpty else { return nil }
        guard let value = E(rawValue: text) else {
            throw DomainError.validation(
                field: "status", "must be one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        }
        return value
    }
}

/// Runs `body`, answering a domain refusal of the caller's role (`AccessDenied`) with 403.
func forbiddingDenied<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let denied as AccessDenied {
        throw Problem(status: .forbidden, code: "forbidden", title: "Forbidden", detail: denied.detail)
    }
}
