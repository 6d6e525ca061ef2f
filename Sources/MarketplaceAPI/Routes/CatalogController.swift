import CommerceCore
import Hummingbird
import Postgres
import VendorRouting

/// Channels, vendors, products, locations and offers.
struct CatalogController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.post("/v1/channels") { request, context in
            try context.require(.operator)
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let code = f.string("code", maxLength: 100)
            let name = f.string("name")
            let type = f.oneOf("type", ChannelType.self)
            try f.check()
            let channel = Channel(code: code!, name: name!, type: type!)
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(.created, try await CatalogStore.createChannel(tx, channel).json)
            }
        }

        routes.get("/v1/channels") { request, context in
            let principal = try context.require(.operator, .channel)
            var q = QueryParameters(request)
            let type = q.oneOf("type", ChannelType.self)
            let page = q.page()
            try q.check()
            // A channel key sees its own channel and no other.
            let only = principal.role == .channel ? principal.channel : nil
            return .json(try await CatalogStore.channels(services.pool, type: type, only: only, page: page).json)
        }

        routes.get("/v1/channels/{code}") { _, context in
            let principal = try context.require(.operator, .channel)
            let code = try context.path("code")
            guard principal.role == .operator || principal.channel == code,
                let channel = try await CatalogStore.channel(services.pool, code: code)
            else { throw DomainError.notFound("Channel \(code)") }
            return .json(channel.json)
        }

        routes.get("/v1/vendors") { request, context in
            try context.require(.operator)
            var q = QueryParameters(request)
            let page = q.page()
            try q.check()
            return .json(try await CatalogStore.vendors(services.pool, page: page).json)
        }

        routes.post("/v1/vendors") { request, context in
            try context.require(.operator)
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let name = f.string("name")
            let rate = f.smallInt("commission_rate_bps", required: false, min: 0, max: 10_000)
            let acceptance = f.smallInt("acceptance_window_seconds", required: false, min: 1)
            let ship = f.smallInt("ship_window_seconds", required: false, min: 1)
            try f.check()
            return try await services.commands.run(request, context, body: body) { tx in
                let vendor = try await CatalogStore.createVendor(
                    tx, name: name!, commissionRateBps: rate, acceptanceWindowSeconds: acceptance, shipWindowSeconds: ship)
                return CommandResult(.created, vendor.json)
            }
        }

        routes.get("/v1/vendors/{vendor_id}") { _, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            guard let vendor = try await CatalogStore.vendor(services.pool, id: vendorId) else {
                throw DomainError.notFound("Vendor \(vendorId)")
            }
            return .json(vendor.json)
        }

        routes.get("/v1/products") { request, context in
            try context.require(.operator, .finance, .vendor, .channel)
            var q = QueryParameters(request)
            let category = q.string("category")
            let page = q.page()
            try q.check()
            return .json(try await CatalogStore.products(services.pool, category: category, page: page).json)
        }

        routes.get("/v1/products/{sku}") { _, context in
            try context.require(.operator, .finance, .vendor, .channel)
            let sku = try context.path("sku")
            guard let product = try await CatalogStore.product(services.pool, sku: sku) else {
                throw DomainError.notFound("Product \(sku)")
            }
            return .json(product.json)
        }

        routes.get("/v1/vendors/{vendor_id}/locations") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            var q = QueryParameters(request)
            let pickup = q.bool("pickup")
            let page = q.page()
            try q.check()
            try await CatalogStore.requireVendor(services.pool, id: vendorId)
            return .json(
                try await CatalogStore.locations(services.pool, vendorId: vendorId, pickup: pickup, page: page).json)
        }

        routes.get("/v1/vendors/{vendor_id}/locations/{code}") { _, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let code = try context.path("code")
            guard let location = try await CatalogStore.location(services.pool, vendorId: vendorId, code: code) else {
                throw DomainError.notFound("Location \(code) of vendor \(vendorId)")
            }
            return .json(location.json)
        }

        routes.get("/v1/vendors/{vendor_id}/offers") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            var q = QueryParameters(request)
            let active = q.bool("active")
            let currency = q.currency("currency")
            let page = q.page()
            try q.check()
            try await CatalogStore.requireVendor(services.pool, id: vendorId)
            return .json(
                try await CatalogStore.offers(
                    services.pool, vendorId: vendorId, active: active, currency: currency, page: page
                ).json)
        }

        routes.get("/v1/vendors/{vendor_id}/offers/{sku}") { _, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let sku = try context.path("sku")
            guard let offer = try await CatalogStore.offer(services.pool, vendorId: vendorId, sku: sku) else {
                throw DomainError.notFound("Offer of vendor \(vendorId) for \(sku)")
            }
            return .json(offer.json)
        }

        routes.put("/v1/products/{sku}") { request, context in
            try context.require(.operator)
            let sku = try context.path("sku")
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let title = f.string("title")
            let category = f.string("category", maxLength: 200)
            if sku.utf8.count > 100 { f.fail("sku", "must be at most 100 bytes of UTF-8") }
            try f.check()
            let upserted = try await CatalogStore.upsertProduct(
                services.pool, Product(sku: sku, title: title!, category: category!))
            return .json(upserted.value.json, status: upserted.created ? .created : .ok)
        }

        routes.put("/v1/vendors/{vendor_id}/locations/{code}") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let code = try context.path("code")
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let name = f.string("name")
            let type = f.oneOf("type", LocationType.self)
            let country = f.string("country", maxLength: 2)
            if let country, !(country.utf8.count == 2 && country.utf8.allSatisfy({ (65...90).contains($0) })) {
                f.fail("country", "must be an ISO 3166-1 alpha-2 code such as DE")
            }
            let postalCode = f.string("postal_code", required: false, maxLength: 20)
            let latitude = f.double("latitude", min: -90, max: 90)
            let longitude = f.double("longitude", min: -180, max: 180)
            let handling = f.smallInt("handling_seconds", min: 0)
            let pickup = f.bool("pickup")
            if code.utf8.count > 100 { f.fail("code", "must be at most 100 bytes of UTF-8") }
            try f.check()
            let location = Location(
                vendorId: vendorId, code: code, name: name!, type: type!, country: country!, postalCode: postalCode,
                latitude: latitude!, longitude: longitude!, handlingSeconds: handling!, pickup: pickup!)
            let upserted = try await services.pool.transaction { tx in
                try await CatalogStore.requireVendor(tx, id: vendorId)
                return try await CatalogStore.upsertLocation(tx, location)
            }
            return .json(upserted.value.json, status: upserted.created ? .created : .ok)
        }

        routes.put("/v1/vendors/{vendor_id}/offers/{sku}") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let sku = try context.path("sku")
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            // Bounded so that no order total can overflow Int64: 10^11 × 100,000 units × 200
            // lines stays below 9.2 × 10^18.
            let price = f.int("unit_price", min: 0, max: Offer.maxUnitPrice)
            let currency = f.currency("currency")
            let active = f.bool("active")
            try f.check()
            let offer = Offer(vendorId: vendorId, sku: sku, unitPrice: price!, currency: currency!, active: active!)
            let upserted = try await services.pool.transaction { tx in
                try await CatalogStore.requireVendor(tx, id: vendorId)
                guard try await CatalogStore.productExists(tx, sku: sku) else {
                    throw DomainError.validation(field: "sku", "unknown sku '\(sku)'; create the product first")
                }
                return try await CatalogStore.upsertOffer(tx, offer)
            }
            return .json(upserted.value.json, status: upserted.created ? .created : .ok)
        }
    }
}
