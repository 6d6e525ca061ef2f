import CommerceCore
import OrderCore
import VendorRouting

/// Reads a `fulfillment` member (delivery with an optional address, or pickup at a vendor's
/// location): the one reader of orders, order lines, quotes, carts and cart lines.
enum FulfillmentInput {
    static func read(_ f: inout Fields, _ key: String = "fulfillment", required: Bool = false) -> Fulfillment? {
        guard var ff = f.object(key, required: required) else { return nil }
        var fulfillment: Fulfillment?
        switch ff.string("type") {
        case "delivery":
            if var address = ff.object("address") {
                let country = address.string("country", required: false, maxLength: 2)
                let postal = address.string("postal_code", required: false, maxLength: 20)
                let lat = address.double("latitude", required: false, min: -90, max: 90)
                let lon = address.double("longitude", required: false, min: -180, max: 180)
                if address.has("latitude") != address.has("longitude") {
                    address.fail(address.name(address.has("latitude") ? "longitude" : "latitude"), "give latitude and longitude together")
                }
                ff.absorb(address)
                fulfillment = .delivery(Address(country: country, postalCode: postal, latitude: lat, longitude: lon))
            }
        case "pickup":
            let vendorId = ff.string("vendor_id", maxLength: 100)
            let location = ff.string("location", maxLength: 100)
            if let vendorId, let location { fulfillment = .pickup(vendorId: vendorId, location: location) }
        case .some(let other):
            ff.fail(ff.name("type"), "must be one of delivery, pickup, not '\(other)'")
            ff.allow("address", "vendor_id", "location")
        case .none:
            ff.allow("address", "vendor_id", "location")
        }
        f.absorb(ff)
        return fulfillment
    }
}
