import CommerceCore
import Hummingbird
import Postgres
import VendorRouting

/// Absolute stock counts per location and their reads.
struct StockController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.post("/v1/vendors/{vendor_id}/stock") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            var items: [(index: Int, item: StockItem)] = []
            var itemErrors: [FieldError] = []
            let elements = f.array("items", minCount: 1, maxCount: 5000)
            try f.check()
            for (i, element) in (elements ?? []).enumerated() {
                var item = Fields(element, path: "items[\(i)]")
                let location = item.string("location", maxLength: 100)
                let sku = item.string("sku", maxLength: 100)
                let onHand = item.smallInt("on_hand", min: 0)
                itemErrors.append(contentsOf: item.errors + item.unknownMembers)
                if let location, let sku, let onHand {
                    items.append((i, StockItem(location: location, sku: sku, onHand: onHand)))
                }
            }
            // Well-formed items are still checked against the database, so one 422 names
            // every bad item, whatever is wrong with it.
            let wellFormed = items
            let shapeErrors = itemErrors
            return try await services.commands.run(request, context, body: body) { tx in
                try await CatalogStore.requireVendor(tx, id: vendorId)
                let updated = try await StockStore.setStock(tx, vendorId: vendorId, items: wellFormed, shapeErrors: shapeErrors)
                return CommandResult(.ok, ["updated": .int(Int64(updated))])
            }
        }

        routes.get("/v1/vendors/{vendor_id}/stock") { request, context in
            let vendorId = try context.path("vendor_id")
            try context.requireVendor(vendorId, or: .operator)
            let page = try request.pageRequest()
            let sku = request.queryValue("sku")
            try await CatalogStore.requireVendor(services.pool, id: vendorId)
            let levels = try await StockStore.list(services.pool, vendorId: vendorId, sku: sku, page: page)
            return .json(levels.json)
        }
    }
}
