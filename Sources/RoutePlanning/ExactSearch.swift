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
/// one can only make the last delivery later). A pick can complete at most as many sku groups as
/// it carries, which bounds how many groups the remaining picks can still complete: branches
/// that cannot reach full coverage within k picks are cut without being evaluated.
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

    // Flat copies of the problem, so a node touches few, plain arrays (this matters in debug
    // builds, where every array access retains its buffer).
    private struct Member {
        let group: Int
        let available: Int
    }

    private struct GroupState {
        let demand: Int
        let isSimple: Bool
        var supply = 0
        var satisfied = false
    }

    /// Memberships in simple groups, per candidate: `members[memberStart[c]..<memberStart[c + 1]]`.
    private let memberStart: [Int]
    private let members: [Member]
    /// Memberships in complex groups (lines of one sku with different constraints), likewise.
    private let complexStart: [Int]
    private let complexMembers: [Member]
    /// Number of groups each candidate belongs to.
    private let memberCount: [Int]
    private let delivery: [Double]
    /// Per group: its candidates in branching order (delivery, then (vendor, location)).
    private let branchCandidates: [[Int]]
    /// Groups by increasing number of candidates: the order in which a missing group is picked.
    private let groupOrder: [Int]
    /// The most groups a single candidate belongs to (bounds how many groups one pick can fix).
    private let maxMemberships: Int

    // Search state.
    private var limit = 0
    private var aborted = false
    private var inSet: [Bool]
    private var excluded: [Bool]
    private var chosen: [Int] = []
    private var state: [GroupState]
    private var deficientCount = 0
    private var undo: [Bool] = []
    private var best: PlanScore?
    private var bestLastDelivery = Double.infinity
    private var excludedStack: [Int] = []

    init(problem: PlanningProblem, budget: Int) {
        self.problem = problem
        self.budget = budget
        let groups = problem.groups
        state = groups.map { GroupState(demand: $0.demand, isSimple: $0.isSimple) }
        var start: [Int] = [0]
        var members: [Member] = []
        var complexStart: [Int] = [0]
        var complexMembers: [Member] = []
        for memberships in problem.memberships {
            for membership in memberships {
                // Only `supply >= demand` matters, so clamping keeps the sums small.
                let available = min(membership.available, problem.demands[membership.group])
                let member = Member(group: membership.group, available: available)
                if groups[membership.group].isSimple {
                    members.append(member)
                } else {
                    complexMembers.append(member)
                }
            }
            start.append(members.count)
            complexStart.append(complexMembers.count)
        }
        memberStart = start
        self.members = members
        self.complexStart = complexStart
        self.complexMembers = complexMembers
        // Closures, not key paths: `\.count` of an array is read through the runtime's key-path
        // machinery (`swift_getAtKeyPath`), which cost 6 % of a 5 × 20 plan's instructions.
        memberCount = problem.memberships.map { $0.count }
        delivery = problem.deliveryTimes
        branchCandidates = groups.map { group in group.branchOrder.map { group.candidates[$0] } }
        let sizes = groups.map { $0.candidates.count }
        groupOrder = groups.indices.sorted { (sizes[$0], $0) < (sizes[$1], $1) }
        maxMemberships = memberCount.max() ?? 0
        inSet = Array(repeating: false, count: problem.candidates.count)
        excluded = inSet
    }

    mutating func run() -> Outcome {
        let groupCount = problem.groups.count
        guard groupCount > 0 else {
            return .optimal(PlanScore(shipments: 0, lastDelivery: -.infinity, price: 0, set: []))
        }
        for size in 1...max(1, problem.candidates.count) {
            limit = size
            for g in 0..<groupCount {
                state[g].supply = 0
                state[g].satisfied = state[g].demand <= 0
            }
            deficientCount = state.lazy.filter { !$0.satisfied }.count
            best = nil
            bestLastDelivery = .infinity
            expand(depth: 0)
            if aborted { return .exhausted(provenMinimum: size, best: best) }
            if let best { return .optimal(best) }
        }
        // Unreachable when the problem passed the feasibility check in `compile`.
        return .exhausted(provenMinimum: problem.candidates.count + 1, best: nil)
    }

    /// Called with a set that does not cover everything yet.
    private mutating func expand(depth: Int) {
        let picksLeft = limit - depth
        guard picksLeft > 0 else { return }
        // A pick fixes at most as many groups as it belongs to: prune when even the best
        // candidates could not fix every missing group in the picks left.
        if deficientCount > picksLeft * maxMemberships { return }
        // The next pick must fix at least this many groups (it has to belong to them).
        let mustFix = deficientCount - (picksLeft - 1) * maxMemberships
        var g = -1
        for candidateGroup in groupOrder where !state[candidateGroup].satisfied {
            g = candidateGroup
            break
        }
        guard g >= 0 else { return }
        let excludedMark = excludedStack.count
        for c in branchCandidates[g] {
            if inSet[c] || excluded[c] { continue }
            if delivery[c] > bestLastDelivery { continue }
            if memberCount[c] < mustFix { continue }
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
            excludedStack.append(c)
        }
        while excludedStack.count > excludedMark { excluded[excludedStack.removeLast()] = false }
    }

    private mutating func add(_ c: Int) {
        inSet[c] = true
        chosen.append(c)
        // Simple groups: plain sums, on raw buffers (no per-access reference counting in debug).
        let lower = memberStart[c]
        let upper = memberStart[c + 1]
        let members = self.members
        var fixed = 0
        members.withUnsafeBufferPointer { memberBuffer in
            state.withUnsafeMutableBufferPointer { states in
                var m = lower
                while m < upper {
                    let member = memberBuffer[m]
                    let g = member.group
                    states[g].supply += member.available
                    if !states[g].satisfied, states[g].supply >= states[g].demand {
                        states[g].satisfied = true
                        fixed += 1
                    }
                    m += 1
                }
            }
        }
        deficientCount -= fixed
        // Complex groups: max-flow check when the stock could suffice.
        for m in complexStart[c]..<complexStart[c + 1] {
            let member = complexMembers[m]
            let g = member.group
            state[g].supply += member.available
            let group = state[g]
            undo.append(group.satisfied)
            if !group.satisfied, group.supply >= group.demand, coversComplexGroup(g) {
                state[g].satisfied = true
                deficientCount -= 1
            }
        }
    }

    private mutating func remove(_ c: Int) {
        var m = complexStart[c + 1] - 1
        let first = complexStart[c]
        while m >= first {
            let member = complexMembers[m]
            let g = member.group
            state[g].supply -= member.available
            if !undo.removeLast(), state[g].satisfied {
                state[g].satisfied = false
                deficientCount += 1
            }
            m -= 1
        }
        let lower = memberStart[c]
        let upper = memberStart[c + 1]
        let members = self.members
        var broken = 0
        members.withUnsafeBufferPointer { memberBuffer in
            state.withUnsafeMutableBufferPointer { states in
                var m = lower
                while m < upper {
                    let member = memberBuffer[m]
                    let g = member.group
                    states[g].supply -= member.available
                    if states[g].satisfied, states[g].supply < states[g].demand {
                        states[g].satisfied = false
                        broken += 1
                    }
                    m += 1
                }
            }
        }
        deficientCount += broken
        chosen.removeLast()
        inSet[c] = false
    }

    private func coversComplexGroup(_ g: Int) -> Bool {
        let slotOf = problem.slotOf[g]
        var slots: [Int] = []
        for c in chosen where slotOf[c] >= 0 { slots.append(slotOf[c]) }
        return problem.covers(group: g, slots: slots)
    }

    private mutating func scoreLeaf() {
        let last = problem.lastDelivery(chosen)
        if last > bestLastDelivery { return }
        guard let price = problem.cheapestPrice(chosen) else { return }
        let score = PlanScore(shipments: chosen.count, lastDelivery: last, price: price, set: chosen.sorted())
        if best == nil || score < best! {
            best = score
            bestLastDelivery = last
        }
    }
}
