import CommerceCore
import Hummingbird
import Postgres
import Settlement
import SettlementCore
import VendorRouting

/// Commission rules: a rate by vendor, by category, or by both.
struct CommissionController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.get("/v1/commission-rules") { request, context in
            try context.require(.finance, .operator)
            var q = QueryParameters(request)
            let vendorId = q.string("vendor_id")
            let category = q.string("category")
            let page = q.page()
            try q.check()
            return .json(
                try await CommissionRuleStore.list(services.pool, vendorId: vendorId, category: category, page: page).json)
        }

        routes.put("/v1/commission-rules") { request, context in
            try context.require(.finance, .operator)
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let vendorId = f.string("vendor_id", required: false, maxLength: 100)
            let category = f.string("category", required: false, maxLength: 200)
            let rate = f.smallInt("rate_bps", min: 0, max: 10_000)
            if vendorId == nil, category == nil, !f.has("vendor_id"), !f.has("category") {
                f.fail("vendor_id", "give vendor_id, category, or both")
                f.fail("category", "give vendor_id, category, or both")
            }
            try f.check()
            let (rule, created) = try await services.pool.transaction { tx in
                if let vendorId, !(try await CatalogStore.vendorExists(tx, id: vendorId)) {
                    throw DomainError.validation(field: "vendor_id", "no vendor '\(vendorId)'")
                }
                return try await CommissionRuleStore.upsert(
                    tx, CommissionRule(vendorId: vendorId, category: category, rateBps: rate!))
            }
            return .json(rule.json, status: created ? .created : .ok)
        }
    }
}
