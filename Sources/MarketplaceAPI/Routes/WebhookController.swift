import CommerceCore
import Foundation
import Hummingbird
import Postgres
import VendorRouting
import Webhooks

/// Vendor webhook endpoints and their deliveries.
struct WebhookController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.post("/v1/vendors/{vendor_id}/webhook-endpoints") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let url = f.string("url", maxLength: 2048)
            var events: [String]?
            if let list = f.array("events", required: false, minCount: 1, maxCount: 20) {
                var names: [String] = []
                for (i, item) in list.enumerated() {
                    guard let name = item.stringValue, WebhookEventType(rawValue: name) != nil else {
                        f.fail(
                            "events[\(i)]",
                            "must be one of \(WebhookEventType.allCases.map(\.rawValue).joined(separator: ", "))")
                        continue
                    }
                    if !names.contains(name) { names.append(name) }
                }
                events = names
            }
            if let url {
                let policy = TargetPolicy(allowPrivateTargets: services.config.allowPrivateWebhookTargets)
                // The same resolver and the same rule as each delivery, under the attempt's deadline.
                let deadline = ContinuousClock.now + .seconds(services.config.webhookTimeoutSeconds)
                do {
                    switch try await withDeadline(deadline, { try await policy.resolve(url) }) {
                    case .refused(let reason), .unresolvable(let reason): f.fail("url", reason)
                    case nil: f.fail("url", "host did not resolve in time")
                    case .target: break
                    }
                } catch is HostResolver.Overloaded {
                    f.fail("url", "could not be resolved now (too many lookups in progress); try again")
                }
            }
            try f.check()
            let chosen = events
            return try await services.commands.run(request, context, body: body) { tx in
                try await CatalogStore.requireVendor(tx, id: vendorId)
                let (endpoint, secret) = try await EndpointStore.create(
                    tx, vendorId: vendorId, url: url!, events: chosen, keyring: services.keyring)
                var json = endpoint.json.objectValue!
                json["secret"] = .string(secret)
                return CommandResult(.created, .object(json), sensitive: true)
            }
        }

        routes.get("/v1/vendors/{vendor_id}/webhook-endpoints") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let page = try request.pageRequest()
            try await CatalogStore.requireVendor(services.pool, id: vendorId)
            return .json(try await EndpointStore.list(services.pool, vendorId: vendorId, page: page).json)
        }

        routes.delete("/v1/vendors/{vendor_id}/webhook-endpoints/{id}") { _, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let id = try context.path("id")
            let deleted = try await services.pool.transaction { tx in
                try await EndpointStore.delete(tx, vendorId: vendorId, id: id)
            }
            guard deleted else { throw DomainError.notFound("Webhook endpoint \(id)") }
            return Response(status: .noContent)
        }

        routes.post("/v1/vendors/{vendor_id}/webhook-endpoints/{id}/rotate-secret") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let id = try context.path("id")
            let body = try await request.optionalJSONBody(context: context)
            try Fields.requireNone(body)
            return try await services.commands.run(request, context, body: body) { tx in
                guard let secret = try await EndpointStore.rotateSecret(tx, vendorId: vendorId, id: id, keyring: services.keyring) else {
                    throw DomainError.notFound("Webhook endpoint \(id)")
                }
                return CommandResult(.ok, ["id": .string(id), "secret": .string(secret)], sensitive: true)
            }
        }

        routes.get("/v1/vendors/{vendor_id}/webhook-deliveries") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let page = try request.pageRequest()
            try await CatalogStore.requireVendor(services.pool, id: vendorId)
            let list = try await DeliveryStore.list(
                services.pool, vendorId: vendorId, endpointId: request.queryValue("endpoint_id"), page: page)
            return .json(list.json)
        }

        routes.post("/v1/webhook-deliveries/{id}/retry") { request, context in
            let principal = try context.require(.vendor, .operator)
            let id = try context.path("id")
            let body = try await request.optionalJSONBody(context: context)
            try Fields.requireNone(body)
            let scope = principal.role == .vendor ? principal.vendorId : nil
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(.ok, try await DeliveryStore.retry(tx, id: id, vendorScope: scope).json)
            }
        }
    }
}
