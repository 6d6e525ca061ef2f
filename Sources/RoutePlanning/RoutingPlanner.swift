import CivilTime
import Foundation

/// Chooses which (vendor, location) ships which units of an order (API.md, "Storefront":
/// routing objective; "Vendor fulfilment": rerouting uses the same planner).
///
/// Objective, in strict order:
/// 1. cover every unit of every line, using only candidates that meet the line's `vendorId`,
///    `maxUnitPrice`, fulfilment and the order's `deliverBy`, with stock available;
/// 1b. use no vendor on probation (`CandidateLocation.onProbation`) when a plan without them
///    covers the order; otherwise the rest of the objective applies to every candidate;
/// 2. fewest shipments (distinct (vendor, location, fulfilment) used);
/// 3. earliest last delivery (max `promisedDelivery` over the used shipments);
/// 4. lowest total price Σ unit price × quantity;
/// 5. ties: the sorted list of used (vendorId, location) pairs, compared lexicographically.
///    Within the chosen set, units go to the cheapest stock, then earlier delivery, then the
///    smaller (vendorId, location).
///
/// Algorithm: an exact branch-and-bound search by increasing number of shipments (see
/// `ExactSearch`), with, for each candidate set, an exact per-sku coverage check and min-price
/// assignment (greedy fill for skus whose lines share the same eligible candidates, max-flow /
/// min-cost flow when lines of one sku have different constraints). The search evaluates at most
/// `exactSearchBudget` candidate sets; beyond that the greedy heuristic of `GreedyCover` is used
/// (compared with the best set the exact search had found, if any) and the plan is marked
/// `exact == false`.
public struct RoutingPlanner: Sendable {
    /// Default bound on the candidate sets the exact search evaluates.
    public static let defaultExactSearchBudget = 10_000

    /// Maximum number of candidate sets the exact search evaluates before falling back to the
    /// heuristic (0 = heuristic only).
    public var exactSearchBudget: Int

    public init(exactSearchBudget: Int = RoutingPlanner.defaultExactSearchBudget) {
        self.exactSearchBudget = exactSearchBudget
    }

    public func plan(_ request: PlanningRequest) -> PlanningResult {
        let probation = Set(request.candidates.filter(\.onProbation).map(\.vendorId))
        guard !probation.isEmpty else { return planCovering(request) }
        var trusted = request
        trusted.candidates = request.candidates.filter { !$0.onProbation }
        if case .planned(var plan) = planCovering(trusted) {
            plan.reason += " " + Self.probationSetAside(probation)
            return .planned(plan)
        }
        let everyone = planCovering(request)
        guard case .planned(var plan) = everyone else { return everyone }
        let used = Set(plan.shipments.map(\.vendorId)).intersection(probation).sorted()
        if !used.isEmpty {
            plan.reason += " " + Self.probationUsed(used)
        }
        return .planned(plan)
    }

    static func probationSetAside(_ vendors: Set<String>) -> String {
        let names = vendors.sorted().joined(separator: ", ")
        let one = vendors.count == 1
        return "Vendor\(one ? "" : "s") on probation (\(names)) set aside: a plan without \(one ? "it" : "them") covers the order."
    }

    static func probationUsed(_ vendors: [String]) -> String {
        let names = vendors.joined(separator: ", ")
        return "Vendor\(vendors.count == 1 ? "" : "s") \(names) \(vendors.count == 1 ? "is" : "are") on probation "
            + "(low acceptance rate) and used only as a last resort: no plan without \(vendors.count == 1 ? "it" : "them") covers the order."
    }

    /// Objective steps 1 and 2–5 over the given candidates.
    func planCovering(_ request: PlanningRequest) -> PlanningResult {
        let problem: PlanningProblem
        switch PlanningProblem.compile(request) {
        case .infeasible(let indexes, _):
            return .infeasible(unservableLineIndexes: indexes)
        case .problem(let compiled):
            problem = compiled
        }
        let considered = problem.candidates.count
        if problem.groups.isEmpty {
            return .planned(
                RoutingPlan(
                    shipments: [],
                    candidatesConsidered: considered,
                    reason: "Nothing to route: the order has no units to ship.",
                    exact: true
                ))
        }

        var search = ExactSearch(problem: problem, budget: max(0, exactSearchBudget))
        let chosen: PlanScore
        let exact: Bool
        let provenMinimum: Int
        switch search.run() {
        case .optimal(let score):
            chosen = score
            exact = true
            provenMinimum = score.shipments
        case .exhausted(let minimum, let partial):
            let set = GreedyCover.choose(problem)
            let greedy = PlanScore(
                shipments: set.count,
                lastDelivery: problem.lastDelivery(set),
                price: problem.cheapestPrice(set) ?? .max,
                set: set
            )
            if let partial, partial < greedy {
                chosen = partial
            } else {
                chosen = greedy
            }
            exact = false
            provenMinimum = minimum
        }

        let shipments = Self.shipments(for: chosen.set, in: problem)
        let reason = Self.reason(
            shipments: shipments,
            problem: problem,
            exact: exact,
            provenMinimum: provenMinimum
        )
        return .planned(
            RoutingPlan(
                shipments: shipments,
                candidatesConsidered: considered,
                reason: reason,
                exact: exact
            ))
    }

    // MARK: - Building the plan

    static func shipments(for set: [Int], in problem: PlanningProblem) -> [PlannedShipment] {
        let slots = problem.slotsByGroup(set)
        var linesByCandidate: [Int: [PlannedLine]] = [:]
        for (g, group) in problem.groups.enumerated() {
            guard let allocation = problem.cheapestAllocation(group: g, slots: slots[g]) else { continue }
            for item in allocation.allocations {
                let c = group.candidates[item.slot]
                let line = problem.lines[group.lines[item.lineSlot]]
                var planned = linesByCandidate[c, default: []]
                if let existing = planned.firstIndex(where: { $0.lineIndex == line.index && $0.sku == line.sku }) {
                    // Only when the request repeats a line index: keep one entry per order line.
                    planned[existing].quantity += item.quantity
                } else {
                    planned.append(
                        PlannedLine(
                            lineIndex: line.index,
                            sku: line.sku,
                            quantity: item.quantity,
                            unitPrice: group.unitPrice[item.slot]
                        ))
                }
                linesByCandidate[c] = planned
            }
        }
        return linesByCandidate.keys.sorted().compactMap { c in
            guard let lines = linesByCandidate[c], !lines.isEmpty else { return nil }
            let candidate = problem.candidates[c]
            return PlannedShipment(
                vendorId: candidate.vendorId,
                location: candidate.location,
                promisedDelivery: candidate.promisedDelivery,
                lines: lines.sorted { ($0.lineIndex, $0.sku) < ($1.lineIndex, $1.sku) },
                fulfillment: candidate.fulfillment
            )
        }
    }

    // MARK: - Explanation

    /// Line entries listed individually in a split's reason; above this, counts are given.
    static let maxListedLineEntries = 12

    static func reason(
        shipments: [PlannedShipment],
        problem: PlanningProblem,
        exact: Bool,
        provenMinimum: Int
    ) -> String {
        let considered = problem.candidates.count
        let pool = considered == 1 ? "1 candidate location" : "\(considered) candidate locations"
        let last = shipments.map(\.promisedDelivery).max().map(PlanningFormat.iso8601) ?? "-"

        if shipments.count == 1 {
            let shipment = shipments[0]
            let lineCount = Set(problem.lines.map(\.index)).count
            let subject = lineCount == 1 ? "The only line ships" : "All \(lineCount) lines ship together"
            return "\(subject) from vendor \(shipment.vendorId) at \(shipment.location), "
                + "the fewest shipments possible (1) among \(pool); delivery by \(last)."
        }

        var ordered: [Int: Int] = [:]
        for line in problem.lines { ordered[line.index, default: 0] += line.quantity }
        let entries = shipments.reduce(0) { $0 + $1.lines.count }
        let why = provenMinimum >= 2 ? " because no single location could serve every unit" : ""
        // One byte buffer, appended to: a string per line, per shipment and their joins cost a
        // sixth of a 5 × 20 plan's instructions, and `String.append` alone still a tenth.
        var text: [UInt8] = []
        text.reserveCapacity(160 + 96 * shipments.count + (entries <= maxListedLineEntries ? 32 * entries : 0))
        func put(_ part: String) { text.append(contentsOf: part.utf8) }
        put("Split into \(shipments.count) shipments\(why): ")
        for (s, shipment) in shipments.enumerated() {
            if s > 0 { put("; ") }
            put("vendor ")
            put(shipment.vendorId)
            put(" at ")
            put(shipment.location)
            put(" (delivery by ")
            put(PlanningFormat.iso8601(shipment.promisedDelivery))
            put(") takes ")
            if entries <= maxListedLineEntries {
                for (l, line) in shipment.lines.enumerated() {
                    if l > 0 { put(", ") }
                    let total = ordered[line.lineIndex] ?? line.quantity
                    put("lines[")
                    put(String(line.lineIndex))
                    put("] (")
                    put(line.sku)
                    put(", ")
                    put(String(line.quantity))
                    if line.quantity == total {
                        put(line.quantity == 1 ? " unit)" : " units)")
                    } else {
                        put(" of ")
                        put(String(total))
                        put(" units)")
                    }
                }
            } else {
                let units = shipment.lines.reduce(0) { $0 + $1.quantity }
                let count = shipment.lines.count
                put("\(count) \(count == 1 ? "line" : "lines") (\(units) \(units == 1 ? "unit" : "units"))")
            }
        }
        put(". ")
        if exact || provenMinimum >= shipments.count {
            put("\(shipments.count) is the fewest shipments possible among \(pool); last delivery by \(last).")
        } else {
            put(
                "Too many combinations to prove this is the fewest shipments, so a greedy plan over "
                    + "\(pool) was used; last delivery by \(last).")
        }
        return String(decoding: text, as: UTF8.self)
    }
}

enum PlanningFormat {
    /// RFC 3339 / ISO 8601 UTC timestamp with whole seconds, e.g. `2026-12-01T18:00:00Z`.
    static func iso8601(_ date: Date) -> String {
        let whole = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        return String(MicrosecondTimestamp.format(whole).dropLast(8)) + "Z"  // drops ".000000Z"
    }
}
