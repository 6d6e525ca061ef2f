import Buying
import CommerceCore
import CustomerService
import Foundation
import Hummingbird
import OrderCore
import Postgres
import VendorRouting

/// Storefront routes: availability, orders, customer history.
struct OrderController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.get("/v1/availability") { request, context in
            try context.require(.channel, .operator)
            let query = try AvailabilityQuery(request)
            let offers = try await CandidateStore.stockOffers(services.pool, skus: query.page, currency: query.currency)
            return .json(Availability.render(query: query, offers: offers, now: Date()))
        }

        routes.post("/v1/orders") { request, context in
            let principal = try context.require(.channel, .operator)
            let body = try await request.jsonBody(context: context)
            let orderRequest = try OrderInput.parse(body.value, principal: principal)
            return try await services.commands.run(request, context, body: body) { tx in
                // Before the operator's channel check, so that it still leaves with the BEGIN.
                try await tx.preferGenericPlans()
                if principal.role == .operator, !(try await CatalogStore.channelExists(tx, code: orderRequest.channel)) {
                    throw DomainError.validation(field: "channel", "no channel '\(orderRequest.channel)'")
                }
                let order = try await BuyerPlacement.place(tx, orderRequest, endsTransaction: true)
                return CommandResult(.created, json: order.jsonBytes)
            }
        }

        routes.post("/v1/routing/quotes") { request, context in
            let principal = try context.require(.channel, .operator)
            let body = try await request.jsonBody(context: context)
            let orderRequest = try OrderInput.parse(body.value, principal: principal)
            let quote = try await services.pool.readOnlyTransaction { tx in
                if principal.role == .operator, !(try await CatalogStore.channelExists(tx, code: orderRequest.channel)) {
                    throw DomainError.validation(field: "channel", "no channel '\(orderRequest.channel)'")
                }
                return try await BuyerPlacement.quote(tx, orderRequest)
            }
            return .json(quote.json)
        }

        routes.get("/v1/orders") { request, context in
            try context.require(.channel, .operator)
            var q = QueryParameters(request)
            let filter = OrderFilter(
                channel: q.string("channel"), status: q.oneOf("status", OrderStore.filterableStatuses),
                customerId: q.string("customer_id"), createdAfter: q.timestamp("created_after"),
                createdBefore: q.timestamp("created_before"))
            let page = q.page()
            try q.check()
            return .json(try await OrderStore.list(services.pool, filter: filter, page: page).json)
        }

        routes.get("/v1/orders/{id}") { _, context in
            try context.require(.channel, .operator)
            let id = try context.path("id")
            guard let order = try await OrderStore.order(services.pool, id: id) else { throw DomainError.notFound("Order \(id)") }
            return .json(order.json)
        }

        routes.post("/v1/orders/{id}/cancel") { request, context in
            try context.require(.channel, .operator)
            let id = try context.path("id")
            let body = try await request.optionalJSONBody(context: context)
            var reason: String?
            if let body {
                var f = Fields(body.value)
                reason = f.string("reason", required: false, maxLength: 1000)
                try f.check()
            }
            let cancelReason = reason
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(.ok, try await OrderApproval.cancel(tx, orderId: id, reason: cancelReason).json)
            }
        }

        routes.get("/v1/customers/{customer_id}/orders") { request, context in
            try context.require(.channel, .operator)
            let customerId = try context.path("customer_id")
            let page = try await OrderStore.customerOrders(services.pool, customerId: customerId, page: try request.pageRequest())
            return .json(page.json)
        }

        routes.get("/v1/customers/{customer_id}/timeline") { request, context in
            try context.require(.channel, .operator)
            let customerId = try context.path("customer_id")
            let timeline = CustomerTimeline(db: services.pool)
            return .json(try await timeline.page(customerId: customerId, page: try request.pageRequest()))
        }
    }
}
