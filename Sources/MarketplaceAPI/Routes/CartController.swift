import Buying
import BuyingCore
import CommerceCore
import Foundation
import Hummingbird
import OrderCore
import Postgres
import VendorRouting

/// Carts shared by every channel (v1.2): create, read, change lines, check out, reorder.
///
/// Which channel a change counts for in the cart's `channels`: a channel key's own channel.
/// An operator's change names no channel and adds nothing, except a checkout, whose `channel`
/// (required of an operator) is the channel of the order and so counts.
struct CartController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.post("/v1/carts") { request, context in
            let principal = try context.require(.channel, .operator)
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let (customerId, email) = CustomerInput.read(&f)
            let currency = f.currency("currency")
            let fulfillment = FulfillmentInput.read(&f)
            try f.check()
            let (customer, customerEmail) = (customerId!, email)
            return try await services.commands.run(request, context, body: body) { tx in
                let cart = try await CartLifecycle.create(
                    tx, customerId: customer, customerEmail: customerEmail, currency: currency!, fulfillment: fulfillment,
                    channel: principal.channel)
                return CommandResult(.created, cart.json)
            }
        }

        routes.get("/v1/carts/{id}") { _, context in
            try context.require(.channel, .operator)
            let id = try context.path("id")
            guard let cart = try await CartStore.cart(services.pool, id: id) else { throw DomainError.notFound("Cart \(id)") }
            return .json(cart.json)
        }

        routes.get("/v1/customers/{customer_id}/carts") { request, context in
            try context.require(.channel, .operator)
            let customerId = try context.path("customer_id")
            return .json(try await CartStore.customerCarts(services.pool, customerId: customerId, page: try request.pageRequest()).json)
        }

        routes.put("/v1/carts/{id}/lines/{sku}") { request, context in
            let principal = try context.require(.channel, .operator)
            let id = try context.path("id")
            let sku = try context.path("sku")
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let quantity = f.smallInt("quantity", min: 0, max: CartRules.maxQuantity)
            let fulfillment = FulfillmentInput.read(&f)
            let vendorId = f.string("vendor_id", required: false, maxLength: 100)
            let maxPrice = f.int("max_unit_price", required: false, min: 0)
            if sku.utf8.count > 100 { f.fail("sku", "must be at most 100 bytes of UTF-8") }
            try f.check()
            let line = CartLine(sku: sku, quantity: quantity!, fulfillment: fulfillment, vendorId: vendorId, maxUnitPrice: maxPrice)
            let cart = try await services.pool.transaction { tx in
                try await CartLifecycle.setLine(tx, cartId: id, line, channel: principal.channel)
            }
            return .json(cart.json)
        }

        routes.post("/v1/carts/{id}/quote") { request, context in
            let principal = try context.require(.channel, .operator)
            let id = try context.path("id")
            let body = try await request.optionalJSONBody(context: context)
            var f = Fields(body?.value ?? .object(JSONObject()))
            let deliverBy = f.timestamp("deliver_by", required: false)
            try f.check()
            let quote = try await services.pool.readOnlyTransaction { tx in
                try await CartLifecycle.quote(tx, cartId: id, channel: principal.channel, deliverBy: deliverBy)
            }
            return .json(quote.json)
        }

        routes.post("/v1/carts/{id}/checkout") { request, context in
            let principal = try context.require(.channel, .operator)
            let id = try context.path("id")
            let body = try await request.optionalJSONBody(context: context)
            var f = Fields(body?.value ?? .object(JSONObject()))
            let deliverBy = f.timestamp("deliver_by", required: false)
            let fulfillment = FulfillmentInput.read(&f)
            var channel = principal.channel
            let bodyChannel = f.string("channel", required: principal.role == .operator, maxLength: 100)
            if principal.role == .operator {
                channel = bodyChannel
            } else if let bodyChannel, bodyChannel != principal.channel {
                f.fail("channel", "this key checks out for channel '\(principal.channel ?? "")' only")
            }
            try f.check()
            let orderChannel = channel!
            return try await services.commands.run(request, context, body: body) { tx in
                if principal.role == .operator, !(try await CatalogStore.channelExists(tx, code: orderChannel)) {
                    throw DomainError.validation(field: "channel", "no channel '\(orderChannel)'")
                }
                let order = try await CartLifecycle.checkout(
                    tx, cartId: id, orderChannel: orderChannel, deliverBy: deliverBy, fulfillment: fulfillment)
                return CommandResult(.created, order.json)
            }
        }

        routes.post("/v1/orders/{id}/reorder") { request, context in
            let principal = try context.require(.channel, .operator)
            let id = try context.path("id")
            let body = try await request.optionalJSONBody(context: context)
            try Fields.requireNone(body)
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(.created, try await CartLifecycle.reorder(tx, orderId: id, channel: principal.channel).json)
            }
        }
    }
}
