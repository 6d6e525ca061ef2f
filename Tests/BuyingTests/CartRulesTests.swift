import BuyingCore
import CommerceCore
import Foundation
import OrderCore
import RoutePlanning
import Testing
import VendorRouting

@testable import Buying

@Suite("Buying: cart rules")
struct CartRulesTests {
    let home = Fulfillment.delivery(Address(country: "DE", postalCode: "10115", latitude: 52.53, longitude: 13.38))

    func cart(_ lines: [CartLine], fulfillment: Fulfillment? = nil, status: CartStatus = .open) -> Cart {
        Cart(
            id: "cart_1", customerId: "c", customerEmail: nil, currency: "EUR", fulfillment: fulfillment, status: status,
            lines: lines, channels: [], orderId: nil, createdAt: Date(), updatedAt: Date())
    }

    func line(_ sku: String, _ quantity: Int, fulfillment: Fulfillment? = nil) -> CartLine {
        CartLine(sku: sku, quantity: quantity, fulfillment: fulfillment, vendorId: nil, maxUnitPrice: nil)
    }

    @Test("channels: first change first, each once; an operator (nil) adds nothing")
    func channels() {
        var channels: [String] = []
        for change in ["web", "app", "web", nil, "pos", "app"] as [String?] {
            channels = CartRules.channels(channels, afterChangeBy: change)
        }
        #expect(channels == ["web", "app", "pos"])
        #expect(CartRules.channels([], afterChangeBy: nil) == [])
    }

    @Test("a new sku needs room under the line cap; changing or removing a line never does")
    func lineCap() {
        let full = (0..<CartRules.maxLines).map { line("S\($0)", 1) }
        #expect(CartRules.problem(setting: "NEW", quantity: 1, in: full)?.field == "sku")
        #expect(CartRules.problem(setting: "S3", quantity: 7, in: full) == nil)
        #expect(CartRules.problem(setting: "NEW", quantity: 0, in: full) == nil)
        #expect(CartRules.problem(setting: "NEW", quantity: 1, in: Array(full.dropLast())) == nil)
    }

    @Test("a checked-out cart refuses changes with invalid-transition")
    func checkedOut() {
        #expect(throws: Never.self) { try CartRules.requireOpen(cart([])) }
        do {
            try CartRules.requireOpen(cart([], status: .checkedOut))
            Issue.record("a checked-out cart was accepted")
        } catch let error as DomainError {
            #expect(error.kind == .invalidTransition)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("checkout lines keep the cart's order and carry their own fulfilment (mixed cart); the cart's own is the order's")
    func requestedLines() {
        let pickup = Fulfillment.pickup(vendorId: "v", location: "L")
        let lines = CartRules.requestedLines(
            cart([line("A", 2), line("B", 1, fulfillment: home), line("C", 3, fulfillment: pickup)]), orderFulfillment: home)
        #expect(lines.map(\.sku) == ["A", "B", "C"])
        #expect(lines.map(\.quantity) == [2, 1, 3])
        #expect(lines[0].fulfillment == nil)
        #expect(lines[1].fulfillment == nil, "a line fulfilled as the order is stored as the order's")
        #expect(lines[2].fulfillment == pickup)
    }

    @Test("reorder: less cancelled units, fully cancelled lines omitted, one line per sku")
    func reorder() {
        let lines = [
            OrderLine(id: "1", position: 0, sku: "A", quantity: 3, cancelledQuantity: 1, vendorId: "v1", maxUnitPrice: 900),
            OrderLine(id: "2", position: 1, sku: "B", quantity: 2, cancelledQuantity: 2, vendorId: nil, maxUnitPrice: nil),
            OrderLine(id: "3", position: 2, sku: "A", quantity: 4, cancelledQuantity: 0, vendorId: nil, maxUnitPrice: nil),
            OrderLine(id: "4", position: 3, sku: "C", quantity: 1, cancelledQuantity: 0, vendorId: nil, maxUnitPrice: nil),
        ]
        let cartLines = CartRules.reorderLines(lines)
        #expect(cartLines.map(\.sku) == ["A", "C"])
        #expect(cartLines.map(\.quantity) == [6, 1])
        #expect(cartLines.first?.vendorId == "v1" && cartLines.first?.maxUnitPrice == 900)
    }
}

@Suite("Buying: negotiated prices and approval limits")
struct BuyerTermsTests {
    func candidate(_ vendor: String, _ prices: [String: Int64]) -> CandidateLocation {
        CandidateLocation(
            vendorId: vendor, location: "WH1", promisedDelivery: Date(timeIntervalSince1970: 0),
            offers: prices.mapValues { CandidateOffer(unitPrice: $0, available: 5) })
    }

    @Test("a negotiated price replaces only that vendor's offer of that sku, stock unchanged")
    func repricing() {
        let book = PriceBook(["X": ["v2": 700]])
        let out = book.apply(to: [candidate("v1", ["X": 900, "Y": 100]), candidate("v2", ["X": 1000, "Y": 200])])
        #expect(out[0].offers["X"]?.unitPrice == 900)
        #expect(out[1].offers["X"]?.unitPrice == 700)
        #expect(out[1].offers["X"]?.available == 5)
        #expect(out[1].offers["Y"]?.unitPrice == 200)
        #expect(PriceBook().apply(to: [candidate("v1", ["X": 900])])[0].offers["X"]?.unitPrice == 900)
    }

    @Test("the routed plan prefers the vendor made cheapest by a negotiated price")
    func routingComparesNegotiatedPrices() {
        let candidates = PriceBook(["X": ["v2": 700]]).apply(to: [candidate("v1", ["X": 900]), candidate("v2", ["X": 1000])])
        let result = RoutingPlanner().plan(PlanningRequest(lines: [PlanningLine(index: 0, sku: "X", quantity: 2)], candidates: candidates))
        guard case .planned(let plan) = result else {
            Issue.record("no plan: \(result)")
            return
        }
        #expect(plan.shipments.map(\.vendorId) == ["v2"])
        #expect(plan.totalPrice == 1400)
    }

    @Test("prices apply only in the organization's currency; the limit is strict and currency-bound")
    func terms() {
        let terms = BuyerTerms(organizationId: "org", currency: "EUR", orderLimit: 1000, prices: ["X": ["v": 5]])
        #expect(terms.priceBook(forOrderCurrency: "EUR").price(sku: "X", vendorId: "v") == 5)
        #expect(terms.priceBook(forOrderCurrency: "USD").isEmpty)
        let limit = terms.approvalLimit!
        #expect(!limit.requiresApproval(total: 1000, currency: "EUR"))
        #expect(limit.requiresApproval(total: 1001, currency: "EUR"))
        #expect(limit.requiresApproval(total: 1, currency: "USD"))
        #expect(BuyerTerms(organizationId: "org", currency: "EUR", orderLimit: nil, prices: [:]).approvalLimit == nil)
    }
}
