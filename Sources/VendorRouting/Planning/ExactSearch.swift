/// Exact search for the best set of candidate locations.
///
/// Sets are explored by increasing size k = 1, 2, … (iterative deepening); the first k with a
/// feasible set is the minimum number of shipments, and every feasible set of that size is
/// scored by (last delivery, price, sorted (vendor, location) pairs).
///
/// Instead of enumerating all C(n, k) subsets, the search branches on what is still missing:
/// at each node it takes a sku group the current set cannot cover (the most constrained one
/// first) and branches over the candidates that carry that sku for one of its lines. Any
/// feasible superset must contain one of them, so nothing is missed; branch i excludes
/// branches 1…i-1's candidates, so no set is visited twice. A node whose set covers everything is
/// a leaf. Because branching depends only on the (set, excluded) state, the tree for size k is
/// the tree for size k+1 cut at depth k, which makes "first k with a leaf" the true minimum.
/// Once a leaf of size k is known, candidates delivering later than it are skipped (adding
/// one can only make the last delivery later).
///
/// Each node (a set evaluated for coverage) counts against `budget`; when it runs out the search
/// stops and reports what it proved (sizes below `provenMinimum` are infeasible) and the best
/// leaf found so far, if any.
struct ExactSearch {
    enum Outcome {
        /// The optimal set (ascending candidate ids).
        case optimal(PlanScore)
        /// The budget ran out. Every set smaller than `provenMinimum` is infeasible; `best` is the
        /// best feasible set seen (of size `provenMinimum`), if any.
        case exhausted(provenMinimum: Int, best: PlanScore?)
    }

    private let problem: PlanningProblem
    private let budget: Int
    private(set) var nodesEvaluated = 0

    // Search state.
    private var limit = 0
    private var aborted = false
    private var inSet: [Bool]
    private var excluded: [Bool]
    private var chosen: [Int] = []
    private var supply: [Int]
    private var satisfied: [Bool]
    private var deficientCount = 0
    private var undo: [Bool] = []
    private var best: PlanScore?
    /// Groups by increasing number of candidates: the order in which a missing group is picked.
    private let groupOrder: [Int]

    init(problem: PlanningProblem, budget: Int) {
        self.problem = problem
        self.budget = budget
        inSet = Array(repeating: false, count: problem.candidates.count)
        excluded = inSet
        supply = Array(repeating: 0, count: problem.groups.count)
        satisfied = Array(repeating: false, count: problem.groups.count)
        groupOrder = problem.groups.indices.sorted {
            (problem.groups[$0].candidates.count, $0) < (problem.groups[$1].candidates.count, $1)
        }
    }

    mutating func run() -> Outcome {
        let groupCount = problem.groups.count
        guard groupCount > 0 else {
            return .optimal(PlanScore(shipments: 0, lastDelivery: -.infinity, price: 0, set: []))
        }
        for size in 1...max(1, problem.candidates.count) {
            limit = size
            for g in 0..<groupCount {
                supply[g] = 0
                satisfied[g] = problem.groups[g].demand <= 0
            }
            deficientCount = satisfied.lazy.filter { !$0 }.count
            best = nil
            expand(depth: 0)
            if aborted { return .exhausted(provenMinimum: size, best: best) }
            if let best { return .optimal(best) }
        }
        // Unreachable when the problem passed the feasibility check in `compile`.
        return .exhausted(provenMinimum: problem.candidates.count + 1, best: nil)
    }

    /// Called with a set that does not cover everything yet.
    private mutating func expand(depth: Int) {
        guard depth < limit else { return }
        var g = -1
        for candidateGroup in groupOrder where !satisfied[candidateGroup] {
            g = candidateGroup
            break
        }
        guard g >= 0 else { return }
        let group = problem.groups[g]
        let lastPick = depth + 1 == limit
        var excludedHere: [Int] = []
        for slot in group.branchOrder {
            let c = group.candidates[slot]
            if inSet[c] || excluded[c] { continue }
            if let best, problem.candidates[c].deliveryTime > best.lastDelivery { continue }
            // The last pick must at least touch every group still missing.
            if lastPick, problem.memberships[c].count < deficientCount { continue }
            if nodesEvaluated >= budget {
                aborted = true
                break
            }
            nodesEvaluated += 1
            add(c)
            if deficientCount == 0 {
                scoreLeaf()
            } else {
                expand(depth: depth + 1)
            }
            remove(c)
            if aborted { break }
            excluded[c] = true
            excludedHere.append(c)
        }
        for c in excludedHere { excluded[c] = false }
    }

    private mutating func add(_ c: Int) {
        inSet[c] = true
        chosen.append(c)
        for membership in problem.memberships[c] {
            let g = membership.group
            let group = problem.groups[g]
            supply[g] = PlanningMath.add(supply[g], membership.available)
            if group.isSimple {
                if !satisfied[g], supply[g] >= group.demand {
                    satisfied[g] = true
                    deficientCount -= 1
                }
            } else {
                undo.append(satisfied[g])
                if !satisfied[g], supply[g] >= group.demand, coversComplexGroup(g) {
                    satisfied[g] = true
                    deficientCount -= 1
                }
            }
        }
    }

    private mutating func remove(_ c: Int) {
        for membership in problem.memberships[c].reversed() {
            let g = membership.group
            let group = problem.groups[g]
            supply[g] -= membership.available
            let was: Bool
            if group.isSimple {
                was = supply[g] >= group.demand
            } else {
                was = undo.removeLast()
            }
            if satisfied[g], !was {
                satisfied[g] = false
                deficientCount += 1
            }
        }
        chosen.removeLast()
        inSet[c] = false
    }

    private func coversComplexGroup(_ g: Int) -> Bool {
        let slotOf = problem.slotOf[g]
        var slots: [Int] = []
        for c in chosen where slotOf[c] >= 0 { slots.append(slotOf[c]) }
        return problem.coverage(group: g, slots: slots) >= problem.groups[g].demand
    }

    private mutating func scoreLeaf() {
        let last = problem.lastDelivery(chosen)
        if let best, last > best.lastDelivery { return }
        guard let price = problem.cheapestPrice(chosen) else { return }
        let score = PlanScore(shipments: chosen.count, lastDelivery: last, price: price, set: chosen.sorted())
        if best == nil || score < best! { best = score }
    }
}
