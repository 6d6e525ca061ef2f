/// Heuristic used when the exact search runs out of budget.
///
/// 1. Greedy set cover: repeatedly add the candidate that covers the most still-uncovered units
///    (coverage is exact per sku group, max-flow for groups with mixed constraints), ties by
///    earlier delivery, lower price of the units it would cover, then smaller (vendor, location).
///    It always makes progress when the whole candidate pool is feasible: from a maximum flow on
///    the current set, an augmenting path in the full pool ends at a single unused candidate.
/// 2. Redundancy pass: try to drop each chosen candidate, latest delivery first (then larger
///    (vendor, location) first), keeping the drop when the rest still covers everything. One pass
///    suffices: a set that was needed stays needed when others are dropped.
/// 3. The caller then computes the price-optimal assignment within the chosen set.
///
/// Not optimal in general (set cover is NP-hard): it can use more shipments than necessary, or a
/// later last delivery / higher price than the best plan with the same number of shipments.
enum GreedyCover {
    static func choose(_ problem: PlanningProblem) -> [Int] {
        let groups = problem.groups
        var inSet = Array(repeating: false, count: problem.candidates.count)
        var chosen: [Int] = []
        var slots = Array(repeating: [Int](), count: groups.count)
        var covered = Array(repeating: 0, count: groups.count)
        let demands = problem.demands
        let deliveryTimes = problem.deliveryTimes
        var missing = groups.count

        while missing > 0 {
            var pick = -1
            var pickGain = 0
            var pickDelivery = 0.0
            var pickPrice: Int64 = 0
            for c in problem.candidates.indices where !inSet[c] {
                var gain = 0
                var price: Int64 = 0
                for membership in problem.memberships[c] {
                    let g = membership.group
                    guard covered[g] < demands[g] else { continue }
                    let group = groups[g]
                    let more: Int
                    if group.isSimple {
                        more = min(group.demand - covered[g], membership.available)
                    } else {
                        more = problem.coverage(group: g, slots: slots[g] + [membership.slot]) - covered[g]
                    }
                    guard more > 0 else { continue }
                    gain = PlanningMath.add(gain, more)
                    price = PlanningMath.add(price, PlanningMath.multiply(group.unitPrice[membership.slot], more))
                }
                guard gain > 0 else { continue }
                let delivery = deliveryTimes[c]
                let better: Bool
                if pick < 0 || gain != pickGain {
                    better = pick < 0 || gain > pickGain
                } else if delivery != pickDelivery {
                    better = delivery < pickDelivery
                } else {
                    // Candidates are visited by ascending (vendor, location): keep the first on a tie.
                    better = price < pickPrice
                }
                if better {
                    pick = c
                    pickGain = gain
                    pickDelivery = delivery
                    pickPrice = price
                }
            }
            guard pick >= 0 else {
                // Cannot happen for a feasible pool; fall back to every candidate and let the
                // redundancy pass trim the set.
                chosen = Array(problem.candidates.indices)
                break
            }
            inSet[pick] = true
            chosen.append(pick)
            for membership in problem.memberships[pick] {
                let g = membership.group
                slots[g].append(membership.slot)
                guard covered[g] < demands[g] else { continue }
                covered[g] = problem.coverage(group: g, slots: slots[g])
                if covered[g] >= demands[g] { missing -= 1 }
            }
        }

        // Redundancy pass.
        let dropOrder = chosen.sorted {
            let a = deliveryTimes[$0]
            let b = deliveryTimes[$1]
            return a != b ? a > b : $0 > $1
        }
        var kept = Set(chosen)
        for c in dropOrder {
            kept.remove(c)
            if !problem.isFeasible(kept.sorted()) { kept.insert(c) }
        }
        return kept.sorted()
    }
}
