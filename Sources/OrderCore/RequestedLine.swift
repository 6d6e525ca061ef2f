/// A line as the buyer asked for it, before routing: what placement, quotes and carts hand the
/// planner.
public struct RequestedLine: Sendable {
    public let sku: String
    public let quantity: Int
    public let vendorId: String?
    public let maxUnitPrice: Int64?
    /// The line's own fulfilment (mixed cart), or nil to use the order's.
    public let fulfillment: Fulfillment?

    public init(sku: String, quantity: Int, vendorId: String?, maxUnitPrice: Int64?, fulfillment: Fulfillment? = nil) {
        self.sku = sku
        self.quantity = quantity
        self.vendorId = vendorId
        self.maxUnitPrice = maxUnitPrice
        self.fulfillment = fulfillment
    }
}
