import Buying
import BuyingCore
import CommerceCore
import Foundation
import Hummingbird
import OrderCore
import Postgres
import VendorRouting

/// B2B buyers (v1.2): organizations, their members and negotiated prices, and the approval of
/// members' orders over their limit.
struct OrganizationController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.post("/v1/organizations") { request, context in
            try context.require(.operator)
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let name = f.string("name", maxLength: 200)
            let currency = f.currency("currency")
            try f.check()
            return try await services.commands.run(request, context, body: body) { tx in
                let organization = Organization(id: Identifier.make("org"), name: name!, currency: currency!, createdAt: Date())
                try await OrganizationStore.insert(tx, organization)
                return CommandResult(.created, organization.json)
            }
        }

        routes.get("/v1/organizations/{id}") { _, context in
            try context.require(.operator, .finance)
            return .json(try await existingOrganization(services.pool, try context.path("id")).json)
        }

        routes.put("/v1/organizations/{id}/members/{customer_id}") { request, context in
            try context.require(.operator)
            let id = try context.path("id")
            let customerId = try context.path("customer_id")
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let role = f.oneOf("role", MemberRole.self)
            let limit = f.int("order_limit", required: false, min: 0)
            if customerId.utf8.count > 200 { f.fail("customer_id", "must be at most 200 bytes of UTF-8") }
            try f.check()
            let member = Member(organizationId: id, customerId: customerId, role: role!, orderLimit: limit)
            let created = try await services.pool.transaction { tx in
                _ = try await existingOrganization(tx, id)
                return try await OrganizationStore.upsertMember(tx, member)
            }
            return .json(member.json, status: created ? .created : .ok)
        }

        routes.get("/v1/organizations/{id}/members") { request, context in
            try context.require(.operator, .finance)
            let id = try context.path("id")
            let page = try request.pageRequest()
            _ = try await existingOrganization(services.pool, id)
            return .json(try await OrganizationStore.members(services.pool, organizationId: id, page: page).json)
        }

        routes.put("/v1/organizations/{id}/prices/{sku}") { request, context in
            try context.require(.operator, .finance)
            let id = try context.path("id")
            let sku = try context.path("sku")
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let vendorId = f.string("vendor_id", maxLength: 100)
            let unitPrice = f.int("unit_price", min: 0, max: 100_000_000_000)
            if sku.utf8.count > 100 { f.fail("sku", "must be at most 100 bytes of UTF-8") }
            try f.check()
            let (price, created) = try await services.pool.transaction { tx in
                let organization = try await existingOrganization(tx, id)
                let errors = try await OrganizationStore.priceReferenceErrors(tx, sku: sku, vendorId: vendorId!)
                guard errors.isEmpty else { throw DomainError.validation(errors) }
                let price = NegotiatedPrice(
                    organizationId: id, sku: sku, vendorId: vendorId!, unitPrice: unitPrice!, currency: organization.currency)
                return (price, try await OrganizationStore.upsertPrice(tx, price))
            }
            return .json(price.json, status: created ? .created : .ok)
        }

        routes.get("/v1/organizations/{id}/prices") { request, context in
            try context.require(.operator, .finance)
            let page = try request.pageRequest()
            let organization = try await existingOrganization(services.pool, try context.path("id"))
            return .json(try await OrganizationStore.prices(services.pool, organization: organization, page: page).json)
        }

        routes.post("/v1/orders/{id}/approve") { request, context in
            try context.require(.channel, .operator)
            let id = try context.path("id")
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let approverId = f.string("approver_id", maxLength: 200)
            try f.check()
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(.ok, try await OrderApproval.approve(tx, orderId: id, approverId: approverId!).json)
            }
        }

        routes.post("/v1/orders/{id}/decline") { request, context in
            try context.require(.channel, .operator)
            let id = try context.path("id")
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let approverId = f.string("approver_id", maxLength: 200)
            let reason = f.string("reason", maxLength: 1000)
            try f.check()
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(.ok, try await OrderApproval.decline(tx, orderId: id, approverId: approverId!, reason: reason!).json)
            }
        }
    }

    func existingOrganization(_ db: any Queryable, _ id: String) async throws -> Organization {
        guard let organization = try await OrganizationStore.organization(db, id: id) else {
            throw DomainError.notFound("Organization \(id)")
        }
        return organization
    }
}
