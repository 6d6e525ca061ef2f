import Foundation
import Testing

@testable import RoutePlanning
@testable import VendorRouting

// MARK: - Helpers

private let start = Date(timeIntervalSince1970: 1_796_000_000)

private func day(_ n: Double) -> Date {
    start.addingTimeInterval(n * 86_400)
}

private func candidate(
    _ vendor: String, _ location: String, day delivery: Double, _ offers: [String: (price: Int64, available: Int)]
) -> CandidateLocation {
    CandidateLocation(
        vendorId: vendor,
        location: location,
        promisedDelivery: day(delivery),
        offers: offers.mapValues { CandidateOffer(unitPrice: $0.price, available: $0.available) }
    )
}

private func line(_ index: Int, _ sku: String, _ quantity: Int, vendor: String? = nil, max: Int64? = nil) -> PlanningLine {
    PlanningLine(index: index, sku: sku, quantity: quantity, vendorId: vendor, maxUnitPrice: max)
}

private func pairs(_ plan: RoutingPlan) -> [String] {
    plan.shipments.map { "\($0.vendorId)/\($0.location)" }
}

/// Units of `lineIndex` shipped from vendor/location.
private func units(_ plan: RoutingPlan, _ pair: String, line lineIndex: Int) -> Int {
    plan.shipments.filter { "\($0.vendorId)/\($0.location)" == pair }
        .flatMap(\.lines).filter { $0.lineIndex == lineIndex }.reduce(0) { $0 + $1.quantity }
}

/// Checks every structural promise of a plan against its request.
private func expectValid(_ plan: RoutingPlan, for request: PlanningRequest, sourceLocation: SourceLocation = #_sourceLocation) {
    let byPair = Dictionary(request.candidates.map { ("\($0.vendorId)/\($0.location)", $0) }, uniquingKeysWith: { a, _ in a })
    let linesByIndex = Dictionary(request.lines.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
    // Shipments sorted by (vendor, location), non-empty, one entry per order line.
    let keys = plan.shipments.map { [$0.vendorId, $0.location] }
    #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) }, "shipments sorted", sourceLocation: sourceLocation)
    #expect(Set(keys).count == keys.count, "one shipment per location", sourceLocation: sourceLocation)
    var used: [String: Int] = [:]
    for shipment in plan.shipments {
        let pair = "\(shipment.vendorId)/\(shipment.location)"
        guard let candidate = byPair[pair] else {
            Issue.record("unknown candidate \(pair)", sourceLocation: sourceLocation)
            continue
        }
        #expect(!shipment.lines.isEmpty, sourceLocation: sourceLocation)
        #expect(shipment.promisedDelivery == candidate.promisedDelivery, sourceLocation: sourceLocation)
        let indexes = shipment.lines.map(\.lineIndex)
        #expect(Set(indexes).count == indexes.count, "a line appears once per shipment", sourceLocation: sourceLocation)
        #expect(indexes == indexes.sorted(), sourceLocation: sourceLocation)
        if let deadline = request.deliverBy {
            #expect(candidate.promisedDelivery <= deadline, sourceLocation: sourceLocation)
        }
        for planned in shipment.lines {
            #expect(planned.quantity > 0, sourceLocation: sourceLocation)
            guard let orderLine = linesByIndex[planned.lineIndex], let offer = candidate.offers[planned.sku] else {
                Issue.record("line \(planned.lineIndex) not offered at \(pair)", sourceLocation: sourceLocation)
                continue
            }
            #expect(orderLine.sku == planned.sku, sourceLocation: sourceLocation)
            #expect(planned.unitPrice == offer.unitPrice, sourceLocation: sourceLocation)
            if let vendor = orderLine.vendorId { #expect(vendor == shipment.vendorId, sourceLocation: sourceLocation) }
            if let max = orderLine.maxUnitPrice { #expect(offer.unitPrice <= max, sourceLocation: sourceLocation) }
            used["\(pair)#\(planned.sku)", default: 0] += planned.quantity
        }
    }
    // No over-allocation of a (location, sku), summed across lines.
    for (key, quantity) in used {
        let parts = key.split(separator: "#", maxSplits: 1).map(String.init)
        let available = byPair[parts[0]]?.offers[parts[1]]?.available ?? 0
        #expect(quantity <= available, "over-allocated \(key): \(quantity) > \(available)", sourceLocation: sourceLocation)
    }
    // Every unit of every line covered.
    for orderLine in request.lines where orderLine.quantity > 0 {
        #expect(
            plan.plannedQuantity(lineIndex: orderLine.index) == orderLine.quantity,
            "line \(orderLine.index) covered", sourceLocation: sourceLocation)
    }
}

private func planned(
    _ request: PlanningRequest,
    planner: RoutingPlanner = RoutingPlanner(),
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> RoutingPlan {
    let result = planner.plan(request)
    let plan = try #require(result.plan, "expected a plan, got \(result)", sourceLocation: sourceLocation)
    expectValid(plan, for: request, sourceLocation: sourceLocation)
    return plan
}

/// Deterministic pseudo-random numbers (SplitMix64).
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Constraints (objective step 1)

@Suite("Routing planner")
struct RoutingPlannerTests {
    @Test("deliver_by excludes late locations, even when they would need fewer shipments")
    func deliverByConstraint() throws {
        let candidates = [
            candidate("ven_a", "SLOW", day: 5, ["A": (100, 5), "B": (100, 5)]),
            candidate("ven_b", "FAST1", day: 2, ["A": (300, 5)]),
            candidate("ven_c", "FAST2", day: 3, ["B": (300, 5)]),
        ]
        let lines = [line(0, "A", 2), line(1, "B", 1)]
        let unconstrained = try planned(PlanningRequest(lines: lines, candidates: candidates))
        #expect(pairs(unconstrained) == ["ven_a/SLOW"])

        let request = PlanningRequest(lines: lines, candidates: candidates, deliverBy: day(3))
        let plan = try planned(request)
        #expect(pairs(plan) == ["ven_b/FAST1", "ven_c/FAST2"])
        #expect(plan.candidatesConsidered == 2)
        #expect(plan.exact)

        let tooEarly = RoutingPlanner().plan(PlanningRequest(lines: lines, candidates: candidates, deliverBy: day(2.5)))
        #expect(tooEarly == .infeasible(unservableLineIndexes: [1]))
    }

    @Test("A line's vendor_id restricts it to that vendor's locations")
    func vendorConstraint() throws {
        let candidates = [
            candidate("ven_a", "BER-1", day: 1, ["A": (100, 10), "B": (100, 10)]),
            candidate("ven_b", "MUC-1", day: 2, ["A": (900, 10)]),
        ]
        let request = PlanningRequest(
            lines: [line(0, "A", 1, vendor: "ven_b"), line(1, "B", 1)],
            candidates: candidates
        )
        let plan = try planned(request)
        #expect(pairs(plan) == ["ven_a/BER-1", "ven_b/MUC-1"])
        #expect(units(plan, "ven_b/MUC-1", line: 0) == 1)
        #expect(units(plan, "ven_a/BER-1", line: 1) == 1)

        let unknownVendor = RoutingPlanner().plan(
            PlanningRequest(
                lines: [line(0, "A", 1, vendor: "ven_z"), line(1, "B", 1)], candidates: candidates
            ))
        #expect(unknownVendor == .infeasible(unservableLineIndexes: [0]))
    }

    @Test("max_unit_price excludes dearer offers (equal price allowed)")
    func maxUnitPriceConstraint() throws {
        let candidates = [
            candidate("ven_a", "L1", day: 1, ["A": (1_200, 10)]),
            candidate("ven_b", "L1", day: 4, ["A": (1_000, 10)]),
        ]
        let plan = try planned(PlanningRequest(lines: [line(0, "A", 3, max: 1_000)], candidates: candidates))
        #expect(pairs(plan) == ["ven_b/L1"])
        #expect(plan.totalPrice == 3_000)
        #expect(plan.candidatesConsidered == 1)

        let none = RoutingPlanner().plan(PlanningRequest(lines: [line(0, "A", 3, max: 999)], candidates: candidates))
        #expect(none == .infeasible(unservableLineIndexes: [0]))
    }

    // MARK: Objective steps 2–5

    @Test("Fewer shipments beat an earlier delivery")
    func fewerShipmentsBeatEarlierDelivery() throws {
        let request = PlanningRequest(
            lines: [line(0, "A", 1), line(1, "B", 1)],
            candidates: [
                candidate("ven_a", "ONE", day: 6, ["A": (500, 1), "B": (500, 1)]),
                candidate("ven_b", "X", day: 1, ["A": (100, 1)]),
                candidate("ven_c", "Y", day: 1, ["B": (100, 1)]),
            ]
        )
        let plan = try planned(request)
        #expect(pairs(plan) == ["ven_a/ONE"])
        #expect(plan.exact)
        #expect(
            plan.reason == "All 2 lines ship together from vendor ven_a at ONE, the fewest shipments possible (1) "
                + "among 3 candidate locations; delivery by \(PlanningFormat.iso8601(day(6))).")
    }

    @Test("An earlier last delivery beats a lower price")
    func earlierDeliveryBeatsPrice() throws {
        let request = PlanningRequest(
            lines: [line(0, "A", 2), line(1, "B", 1)],
            candidates: [
                candidate("ven_a", "CHEAP", day: 3, ["A": (100, 5), "B": (100, 5)]),
                candidate("ven_b", "QUICK", day: 2, ["A": (900, 5), "B": (900, 5)]),
            ]
        )
        let plan = try planned(request)
        #expect(pairs(plan) == ["ven_b/QUICK"])
        #expect(plan.totalPrice == 2_700)
    }

    @Test("The last delivery counts, not the first: two shipments compare by their later one")
    func lastDeliveryOfSplit() throws {
        // No location has both skus; {P, Q} ends day 3, {R, S} ends day 2 (although P is fastest).
        let request = PlanningRequest(
            lines: [line(0, "A", 1), line(1, "B", 1)],
            candidates: [
                candidate("ven_p", "P", day: 1, ["A": (100, 1)]),
                candidate("ven_q", "Q", day: 3, ["B": (100, 1)]),
                candidate("ven_r", "R", day: 2, ["A": (500, 1)]),
                candidate("ven_s", "S", day: 2, ["B": (500, 1)]),
            ]
        )
        let plan = try planned(request)
        // {P, S} ends day 2 and is cheaper than {R, S}.
        #expect(pairs(plan) == ["ven_p/P", "ven_s/S"])
        #expect(plan.totalPrice == 600)
    }

    @Test("At equal deliveries the lower total price wins")
    func lowerPriceWins() throws {
        let request = PlanningRequest(
            lines: [line(0, "A", 2), line(1, "B", 1)],
            candidates: [
                candidate("ven_a", "L1", day: 2, ["A": (500, 5), "B": (500, 5)]),
                candidate("ven_b", "L1", day: 2, ["A": (450, 5), "B": (700, 5)]),
                candidate("ven_c", "L1", day: 2, ["A": (400, 5), "B": (450, 5)]),
            ]
        )
        let plan = try planned(request)
        #expect(pairs(plan) == ["ven_c/L1"])
        #expect(plan.totalPrice == 1_250)
        #expect(plan.shipments[0].subtotal == 1_250)
    }

    @Test("Full ties break by vendor id, then location code")
    func tieBreak() throws {
        let offers: [String: (price: Int64, available: Int)] = ["A": (100, 5)]
        let request = PlanningRequest(
            lines: [line(0, "A", 1)],
            candidates: [
                candidate("ven_b", "AAA", day: 1, offers),
                candidate("ven_a", "ZZZ", day: 1, offers),
                candidate("ven_a", "MMM", day: 1, offers),
            ]
        )
        let plan = try planned(request)
        #expect(pairs(plan) == ["ven_a/MMM"])
        #expect(plan.reason.hasPrefix("The only line ships from vendor ven_a at MMM"))

        // Two-shipment ties: the sorted pair lists compare lexicographically.
        let split = PlanningRequest(
            lines: [line(0, "A", 2)],
            candidates: [
                candidate("ven_c", "L1", day: 1, ["A": (100, 1)]),
                candidate("ven_b", "L2", day: 1, ["A": (100, 1)]),
                candidate("ven_b", "L1", day: 1, ["A": (100, 1)]),
            ]
        )
        #expect(pairs(try planned(split)) == ["ven_b/L1", "ven_b/L2"])
    }

    // MARK: Splits and shared stock

    @Test("A line is split over two locations when no single one has every unit")
    func splitOneLine() throws {
        let request = PlanningRequest(
            lines: [line(0, "A", 5)],
            candidates: [
                candidate("ven_a", "BER-1", day: 1, ["A": (100, 3)]),
                candidate("ven_b", "MUC-1", day: 2, ["A": (120, 2)]),
                candidate("ven_c", "HAM-1", day: 2, ["A": (90, 1)]),
            ]
        )
        let plan = try planned(request)
        #expect(pairs(plan) == ["ven_a/BER-1", "ven_b/MUC-1"])
        #expect(units(plan, "ven_a/BER-1", line: 0) == 3)
        #expect(units(plan, "ven_b/MUC-1", line: 0) == 2)
        #expect(plan.exact)
        #expect(plan.reason.contains("Split into 2 shipments because no single location could serve every unit"))
        #expect(plan.reason.contains("lines[0] (A, 3 of 5 units)"))
        #expect(plan.reason.contains("2 is the fewest shipments possible among 3 candidate locations"))
    }

    @Test("A split's reason, word for word: lines listed, and counted once there are more than 12 entries")
    func splitReasonText() throws {
        let listed = try planned(
            PlanningRequest(
                lines: [line(0, "A", 5), line(1, "B", 1)],
                candidates: [
                    candidate("ven_a", "BER-1", day: 1, ["A": (100, 3), "B": (50, 1)]),
                    candidate("ven_b", "MUC-1", day: 2, ["A": (120, 2)]),
                ]
            ))
        #expect(
            listed.reason
                == "Split into 2 shipments because no single location could serve every unit: vendor ven_a at BER-1 "
                + "(delivery by 2026-12-01T00:53:20Z) takes lines[0] (A, 3 of 5 units), lines[1] (B, 1 unit); vendor ven_b at "
                + "MUC-1 (delivery by 2026-12-02T00:53:20Z) takes lines[0] (A, 2 of 5 units). 2 is the fewest shipments "
                + "possible among 2 candidate locations; last delivery by 2026-12-02T00:53:20Z.")
        let many = (0..<13).map { line($0, "S\($0)", 2) }
        let counted = try planned(
            PlanningRequest(
                lines: many,
                candidates: [
                    candidate("ven_a", "BER-1", day: 1, Dictionary(uniqueKeysWithValues: (0..<13).map { ("S\($0)", (Int64(100), 1)) })),
                    candidate("ven_b", "MUC-1", day: 2, Dictionary(uniqueKeysWithValues: (0..<13).map { ("S\($0)", (Int64(100), 1)) })),
                ]
            ))
        #expect(
            counted.reason
                == "Split into 2 shipments because no single location could serve every unit: vendor ven_a at BER-1 "
                + "(delivery by 2026-12-01T00:53:20Z) takes 13 lines (13 units); vendor ven_b at MUC-1 (delivery by "
                + "2026-12-02T00:53:20Z) takes 13 lines (13 units). 2 is the fewest shipments possible among 2 candidate "
                + "locations; last delivery by 2026-12-02T00:53:20Z.")
    }

    @Test("Within the chosen set, the cheaper stock is used first")
    func cheapestUnitsWithinSet() throws {
        // One location cannot cover 6 units; the pair must be {ven_a, ven_b}; ven_b is cheaper so it
        // gives all 4 of its units.
        let request = PlanningRequest(
            lines: [line(0, "A", 6)],
            candidates: [
                candidate("ven_a", "L1", day: 1, ["A": (500, 5)]),
                candidate("ven_b", "L1", day: 1, ["A": (300, 4)]),
            ]
        )
        let plan = try planned(request)
        #expect(units(plan, "ven_b/L1", line: 0) == 4)
        #expect(units(plan, "ven_a/L1", line: 0) == 2)
        #expect(plan.totalPrice == 2_200)
    }

    @Test("Two lines of one sku share a location's stock without over-allocation")
    func sameSkuCompetes() throws {
        // 3 + 2 units of A: ven_a has exactly 5, so both lines fit one shipment.
        let fits = PlanningRequest(
            lines: [line(0, "A", 3), line(1, "A", 2)],
            candidates: [
                candidate("ven_a", "L1", day: 1, ["A": (100, 5)]),
                candidate("ven_b", "L1", day: 3, ["A": (100, 9)]),
            ]
        )
        let plan = try planned(fits)
        #expect(pairs(plan) == ["ven_a/L1"])
        #expect(plan.shipments[0].lines.map(\.quantity) == [3, 2])

        // 3 + 3 units: ven_a's 5 are not enough for both, so ven_b (9, later) takes the order.
        let tooMuch = PlanningRequest(
            lines: [line(0, "A", 3), line(1, "A", 3)],
            candidates: fits.candidates
        )
        #expect(pairs(try planned(tooMuch)) == ["ven_b/L1"])

        // Only ven_a: each line alone fits, together they do not; both lines are named.
        let only = PlanningRequest(lines: tooMuch.lines, candidates: [fits.candidates[0]])
        #expect(RoutingPlanner().plan(only) == .infeasible(unservableLineIndexes: [0, 1]))
    }

    @Test("Lines of one sku with different constraints are assigned exactly (flow)")
    func sameSkuDifferentConstraints() throws {
        // Line 0 may only use ven_a; line 1 may use either. Stock 2 + 2 for demand 2 + 2: line 1 must
        // take ven_b's units even though ven_a is listed first.
        let request = PlanningRequest(
            lines: [line(0, "A", 2), line(1, "A", 2, vendor: nil), line(2, "A", 0)],
            candidates: [
                candidate("ven_a", "L1", day: 1, ["A": (100, 2)]),
                candidate("ven_b", "L1", day: 1, ["A": (100, 2)]),
            ]
        )
        let pinned = PlanningRequest(
            lines: [line(0, "A", 2, vendor: "ven_a"), line(1, "A", 2)],
            candidates: request.candidates
        )
        let plan = try planned(pinned)
        #expect(units(plan, "ven_a/L1", line: 0) == 2)
        #expect(units(plan, "ven_b/L1", line: 1) == 2)

        // Line 0 pinned to ven_a (3 left at 100), line 1 free: ven_b (50) is cheaper for line 1.
        let cheaper = PlanningRequest(
            lines: [line(0, "A", 2, vendor: "ven_a"), line(1, "A", 2)],
            candidates: [
                candidate("ven_a", "L1", day: 1, ["A": (100, 3)]),
                candidate("ven_b", "L1", day: 1, ["A": (50, 3)]),
            ]
        )
        let cheap = try planned(cheaper)
        #expect(units(cheap, "ven_a/L1", line: 0) == 2)
        #expect(units(cheap, "ven_b/L1", line: 1) == 2)
        #expect(cheap.totalPrice == 300)

        // A zero-quantity line is ignored.
        let zero = try planned(request)
        #expect(zero.plannedQuantity(lineIndex: 2) == 0)
    }

    @Test("Pickup: a single candidate location serves the whole order")
    func pickupSingleCandidate() throws {
        let ready = DeliveryEstimate.pickup(now: start, handlingSeconds: 7_200).deliversBy
        let request = PlanningRequest(
            lines: [line(0, "A", 1), line(1, "B", 2)],
            candidates: [
                CandidateLocation(
                    vendorId: "ven_store", location: "STORE-7", promisedDelivery: ready,
                    offers: ["A": CandidateOffer(unitPrice: 1_999, available: 1), "B": CandidateOffer(unitPrice: 500, available: 4)]
                )
            ],
            deliverBy: ready
        )
        let plan = try planned(request)
        #expect(pairs(plan) == ["ven_store/STORE-7"])
        #expect(plan.shipments[0].promisedDelivery == ready)
        #expect(plan.candidatesConsidered == 1)
        #expect(plan.totalPrice == 2_999)
        #expect(plan.reason.contains("among 1 candidate location;"))
    }

    // MARK: Infeasible

    @Test("Infeasible: exactly the lines that cannot be served are named")
    func infeasibleNamesOnlyUnservableLines() {
        let candidates = [
            candidate("ven_a", "L1", day: 1, ["A": (100, 5), "B": (100, 2), "D": (100, 0)]),
            candidate("ven_b", "L1", day: 1, ["B": (100, 1), "C": (100, 3)]),
        ]
        let request = PlanningRequest(
            lines: [
                line(0, "A", 5),  // fine
                line(1, "B", 4),  // only 3 B anywhere
                line(2, "C", 3),  // fine
                line(3, "D", 1),  // offered but nothing available
                line(4, "E", 1),  // not offered
            ],
            candidates: candidates
        )
        #expect(RoutingPlanner().plan(request) == .infeasible(unservableLineIndexes: [1, 3, 4]))
    }

    @Test("Infeasible by competition names only the competing lines of that sku")
    func infeasibleByCompetition() {
        let candidates = [
            candidate("ven_a", "L1", day: 1, ["A": (100, 4), "B": (100, 1)]),
            candidate("ven_b", "L1", day: 1, ["A": (100, 2)]),
        ]
        let request = PlanningRequest(
            lines: [
                line(0, "A", 3, vendor: "ven_a"),  // competes with line 2 for ven_a's 4
                line(1, "B", 1),
                line(2, "A", 2, vendor: "ven_a"),
                line(3, "A", 2, vendor: "ven_b"),  // same sku, but its own stock: not competing
            ],
            candidates: candidates
        )
        #expect(RoutingPlanner().plan(request) == .infeasible(unservableLineIndexes: [0, 2]))
    }

    @Test("No candidates at all: every line is unservable")
    func noCandidates() {
        let result = RoutingPlanner().plan(PlanningRequest(lines: [line(3, "A", 1), line(1, "B", 1)], candidates: []))
        #expect(result == .infeasible(unservableLineIndexes: [1, 3]))
        #expect(result.unservableLineIndexes == [1, 3])
    }

    @Test("An order without units plans to nothing")
    func emptyOrder() throws {
        let plan = try planned(PlanningRequest(lines: [], candidates: [candidate("ven_a", "L1", day: 1, ["A": (1, 1)])]))
        #expect(plan.shipments.isEmpty)
        #expect(plan.candidatesConsidered == 0)
    }

    @Test("candidatesConsidered counts only locations eligible for some line; duplicates count once")
    func candidatesConsidered() throws {
        let request = PlanningRequest(
            lines: [line(0, "A", 1, max: 200)],
            candidates: [
                candidate("ven_a", "L1", day: 1, ["A": (100, 1)]),
                candidate("ven_a", "L1", day: 9, ["A": (100, 1)]),  // duplicate pair: first wins
                candidate("ven_b", "L1", day: 1, ["A": (300, 1)]),  // too dear
                candidate("ven_c", "L1", day: 1, ["Z": (100, 1)]),  // wrong sku
                candidate("ven_d", "L1", day: 1, ["A": (100, 0)]),  // no stock
            ]
        )
        let plan = try planned(request)
        #expect(plan.candidatesConsidered == 1)
        #expect(plan.shipments[0].promisedDelivery == day(1))
    }

    // MARK: Search

    @Test("The exact search matches brute force over all candidate sets", arguments: 0..<40)
    func exactMatchesBruteForce(seed: Int) throws {
        var rng = SplitMix(state: UInt64(seed) &* 7_919 &+ 17)
        let skus = ["A", "B", "C"]
        let vendors = ["ven_a", "ven_b", "ven_c"]
        var candidates: [CandidateLocation] = []
        for i in 0..<Int.random(in: 3...7, using: &rng) {
            var offers: [String: (price: Int64, available: Int)] = [:]
            for sku in skus where Bool.random(using: &rng) {
                offers[sku] = (Int64.random(in: 1...4, using: &rng) * 100, Int.random(in: 0...4, using: &rng))
            }
            candidates.append(candidate(vendors[i % 3], "L\(i)", day: Double(Int.random(in: 1...3, using: &rng)), offers))
        }
        var lines: [PlanningLine] = []
        for i in 0..<Int.random(in: 1...4, using: &rng) {
            lines.append(
                line(
                    i, skus.randomElement(using: &rng)!, Int.random(in: 1...4, using: &rng),
                    vendor: Int.random(in: 0..<4, using: &rng) == 0 ? vendors.randomElement(using: &rng) : nil,
                    max: Int.random(in: 0..<4, using: &rng) == 0 ? 300 : nil
                ))
        }
        let request = PlanningRequest(lines: lines, candidates: candidates, deliverBy: Bool.random(using: &rng) ? day(2) : nil)
        let result = RoutingPlanner().plan(request)

        guard case .problem(let problem) = PlanningProblem.compile(request) else {
            #expect(result.plan == nil)
            #expect(!result.unservableLineIndexes.isEmpty)
            return
        }
        var best: PlanScore?
        let n = problem.candidates.count
        for mask in 1..<(1 << n) {
            let set = (0..<n).filter { mask & (1 << $0) != 0 }
            guard let price = problem.cheapestPrice(set) else { continue }
            let score = PlanScore(shipments: set.count, lastDelivery: problem.lastDelivery(set), price: price, set: set)
            if best == nil || score < best! { best = score }
        }
        let expected = try #require(best)
        let plan = try #require(result.plan)
        expectValid(plan, for: request)
        #expect(plan.exact)
        #expect(plan.shipments.count == expected.shipments)
        #expect(plan.totalPrice == expected.price)
        #expect(plan.lastDelivery?.timeIntervalSinceReferenceDate == expected.lastDelivery)
        let expectedPairs = expected.set.map { "\(problem.candidates[$0].vendorId)/\(problem.candidates[$0].location)" }
        #expect(pairs(plan) == expectedPairs)

        // The heuristic alone still produces a valid (if not necessarily optimal) plan.
        let heuristic = try #require(RoutingPlanner(exactSearchBudget: 0).plan(request).plan)
        expectValid(heuristic, for: request)
        #expect(!heuristic.exact)
        #expect(heuristic.shipments.count >= expected.shipments)

        // A tiny budget stops the exact search part-way: still valid, never fewer shipments than optimal.
        for budget in [1, 3, 8] {
            let limited = try #require(RoutingPlanner(exactSearchBudget: budget).plan(request).plan)
            expectValid(limited, for: request)
            #expect(limited.shipments.count >= expected.shipments)
            if limited.exact { #expect(limited == plan) }
        }
    }

    @Test("Coverage and min-price assignment of one sku's lines match brute force", arguments: 0..<60)
    func skuAssignmentMatchesBruteForce(seed: Int) throws {
        var rng = SplitMix(state: UInt64(seed) &* 104_729 &+ 3)
        let vendors = ["ven_a", "ven_b", "ven_c"]
        let candidates = vendors.map { vendor in
            candidate(vendor, "L", day: 1, ["A": (Int64.random(in: 1...5, using: &rng) * 10, Int.random(in: 1...4, using: &rng))])
        }
        let lines = (0..<Int.random(in: 1...3, using: &rng)).map { i in
            line(
                i, "A", Int.random(in: 1...3, using: &rng),
                vendor: Bool.random(using: &rng) ? vendors.randomElement(using: &rng) : nil,
                max: Bool.random(using: &rng) ? 30 : nil)
        }
        let request = PlanningRequest(lines: lines, candidates: candidates)

        // Brute force over every allocation x[line][candidate].
        func eligible(_ l: PlanningLine, _ c: CandidateLocation) -> Bool {
            let offer = c.offers["A"]!
            return (l.vendorId == nil || l.vendorId == c.vendorId) && (l.maxUnitPrice.map { offer.unitPrice <= $0 } ?? true)
        }
        var bestPrice: Int64?
        var maxCovered = 0
        func search(_ l: Int, _ c: Int, _ left: [Int], _ need: Int, _ covered: Int, _ price: Int64, _ complete: Bool) {
            if l == lines.count {
                maxCovered = max(maxCovered, covered)
                if complete, bestPrice.map({ price < $0 }) ?? true { bestPrice = price }
                return
            }
            if c == candidates.count {
                search(l + 1, 0, left, l + 1 < lines.count ? lines[l + 1].quantity : 0, covered, price, complete && need == 0)
                return
            }
            let top = eligible(lines[l], candidates[c]) ? min(need, left[c]) : 0
            for take in 0...top {
                var rest = left
                rest[c] -= take
                search(l, c + 1, rest, need - take, covered + take, price + Int64(take) * candidates[c].offers["A"]!.unitPrice, complete)
            }
        }
        search(0, 0, candidates.map { $0.offers["A"]!.available }, lines[0].quantity, 0, 0, true)

        switch PlanningProblem.compile(request) {
        case .infeasible(let indexes, _):
            #expect(bestPrice == nil)
            #expect(!indexes.isEmpty)
        case .problem(let problem):
            let everything = Array(problem.groups[0].candidates.indices)
            #expect(problem.coverage(group: 0, slots: everything) == maxCovered)
            let allocation = try #require(problem.cheapestAllocation(group: 0, slots: everything))
            #expect(allocation.price == bestPrice)
        }
        if bestPrice != nil {
            let plan = try planned(request)
            #expect(plan.exact)
        }
    }

    @Test("Heuristic: greedy cover, then redundant shipments are dropped")
    func heuristicDropsRedundantShipments() throws {
        // Greedy first takes BIG (covers 4 of 6 units), then needs both S1 and S2 for the rest;
        // S1 + S2 alone cover everything, so BIG is dropped afterwards.
        let request = PlanningRequest(
            lines: [line(0, "A", 3), line(1, "B", 3)],
            candidates: [
                candidate("ven_big", "L", day: 1, ["A": (100, 2), "B": (100, 2)]),
                candidate("ven_s1", "L", day: 1, ["A": (100, 3)]),
                candidate("ven_s2", "L", day: 1, ["B": (100, 3)]),
            ]
        )
        let plan = try planned(request, planner: RoutingPlanner(exactSearchBudget: 0))
        #expect(!plan.exact)
        #expect(pairs(plan) == ["ven_s1/L", "ven_s2/L"])
        #expect(plan.reason.contains("Too many combinations"))
    }

    @Test("50 lines over 200 candidate locations: heuristic path covers everything without over-allocation")
    func largeOrder() throws {
        var rng = SplitMix(state: 42)
        let skuCount = 45
        var candidates: [CandidateLocation] = []
        for v in 0..<50 {
            for l in 0..<4 {
                var offers: [String: (price: Int64, available: Int)] = [:]
                for s in 0..<skuCount where Int.random(in: 0..<4, using: &rng) == 0 {
                    offers["SKU-\(s)"] = (Int64.random(in: 500...5_000, using: &rng), Int.random(in: 0...6, using: &rng))
                }
                candidates.append(
                    candidate(
                        "ven_\(v)", "LOC-\(l)", day: Double(Int.random(in: 1...6, using: &rng)), offers
                    ))
            }
        }
        var lines: [PlanningLine] = []
        for i in 0..<50 {
            // Lines 45–49 repeat skus of earlier lines, so they compete for the same stock.
            let sku = "SKU-\(i % skuCount)"
            var vendor: String?
            if i % 17 == 3 {
                // Pin the line to the vendor with the most stock of that sku.
                var stock: [String: Int] = [:]
                for c in candidates where c.promisedDelivery <= day(5) {
                    stock[c.vendorId, default: 0] += c.offers[sku]?.available ?? 0
                }
                vendor = stock.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
            }
            lines.append(line(i, sku, Int.random(in: 1...4, using: &rng), vendor: vendor, max: i % 11 == 5 ? 4_000 : nil))
        }
        let request = PlanningRequest(lines: lines, candidates: candidates, deliverBy: day(5))
        let plan = try planned(request)
        #expect(!plan.exact)
        #expect(plan.candidatesConsidered <= 200)
        #expect(plan.candidatesConsidered > 100)
        #expect(plan.reason.contains("Too many combinations") || plan.reason.contains("is the fewest shipments possible"))

        // Same request, heuristic only: also valid and deterministic.
        let heuristic = try planned(request, planner: RoutingPlanner(exactSearchBudget: 0))
        #expect(heuristic == RoutingPlanner(exactSearchBudget: 0).plan(request).plan)
        #expect(plan.shipments.count <= heuristic.shipments.count)
    }

    @Test("Planning is deterministic, independent of candidate order")
    func deterministic() throws {
        let candidates = [
            candidate("ven_a", "L2", day: 2, ["A": (100, 2), "B": (200, 1)]),
            candidate("ven_b", "L1", day: 1, ["A": (100, 1), "C": (50, 5)]),
            candidate("ven_a", "L1", day: 2, ["B": (100, 3), "C": (60, 5)]),
            candidate("ven_c", "L9", day: 2, ["A": (100, 3)]),
        ]
        let lines = [line(0, "A", 3), line(1, "B", 2), line(2, "C", 4)]
        let first = try planned(PlanningRequest(lines: lines, candidates: candidates))
        let second = try planned(PlanningRequest(lines: lines, candidates: candidates.reversed()))
        #expect(first == second)
    }
}
