import Foundation

/// The planning request compiled into index form.
///
/// - Candidates are the *relevant* ones only (eligible for at least one line), sorted by
///   (vendorId, location): a candidate's id is its tie-break rank (objective step 5).
/// - Lines are grouped by sku ("sku groups"): stock is per (candidate, sku), so lines of one sku
///   compete for the same units while different skus never interact. Given a set of candidate
///   locations, coverage and the cheapest assignment therefore decompose per group.
/// - A group is *simple* when all its lines have the same eligible candidates (always the case
///   for a single line). Its coverage is `min(demand, Σ stock)` and a greedy fill from the
///   cheapest candidate is the exact min-price assignment. Other groups (same sku, different
///   `vendor_id` / `max_unit_price` constraints) are solved exactly with max-flow / min-cost flow.
/// - A candidate is a (vendor, location, fulfilment): in a mixed order one location may be a
///   candidate for a pickup line and for delivered lines alike. Such candidates draw on the same
///   stock, so a group whose candidates share a location ("pool") routes its flow through one
///   pool node per location, which keeps coverage and assignment exact. Lines of different
///   fulfilments never share a candidate, so simple groups never share a pool.
struct PlanningProblem {
    struct Line {
        let index: Int
        let sku: String
        let quantity: Int
    }

    struct Candidate {
        let vendorId: String
        let location: String
        let fulfillment: Int
        let promisedDelivery: Date
        let deliveryTime: Double
        /// Position in the order by (promisedDelivery, vendorId, location).
        var deliveryRank: Int
    }

    /// A class, not a struct: the search reads `groups[g]` in its innermost loops, and copying a
    /// struct of thirteen arrays retained and released each of them every time (a third of
    /// the instructions of a 5 × 20 plan went to copying and destroying groups).
    final class Group: Sendable {
        let sku: String
        /// Problem line ids, ascending by order line index.
        let lines: [Int]
        let quantities: [Int]
        let demand: Int
        /// Candidate ids (ascending) that carry the sku and are eligible for at least one line.
        let candidates: [Int]
        /// Parallel to `candidates`.
        let available: [Int]
        let unitPrice: [Int64]
        /// `eligible[lineSlot][candidateSlot]`.
        let eligible: [[Bool]]
        let isSimple: Bool
        /// Parallel to `candidates`: the candidates' delivery ranks.
        let deliveryRank: [Int]
        /// Candidate slots ordered by (delivery, id): the order the exact search branches in.
        let branchOrder: [Int]
        /// Parallel to `candidates`: the stock pool (physical location) of each slot, an index
        /// into `poolAvailable`.
        let pool: [Int]
        let poolAvailable: [Int]
        /// Whether two slots share a pool (only in mixed orders); flows then pass pool nodes.
        let sharedPools: Bool

        init(
            sku: String, lines: [Int], quantities: [Int], demand: Int, candidates: [Int], available: [Int], unitPrice: [Int64],
            eligible: [[Bool]], isSimple: Bool, deliveryRank: [Int], branchOrder: [Int], pool: [Int], poolAvailable: [Int],
            sharedPools: Bool
        ) {
            self.sku = sku
            self.lines = lines
            self.quantities = quantities
            self.demand = demand
            self.candidates = candidates
            self.available = available
            self.unitPrice = unitPrice
            self.eligible = eligible
            self.isSimple = isSimple
            self.deliveryRank = deliveryRank
            self.branchOrder = branchOrder
            self.pool = pool
            self.poolAvailable = poolAvailable
            self.sharedPools = sharedPools
        }

        /// `slots` by unit price, then earlier delivery: the order a simple group fills from.
        func cheapestFirst(_ slots: [Int]) -> [Int] {
            slots.sorted { a, b in
                unitPrice[a] != unitPrice[b] ? unitPrice[a] < unitPrice[b] : deliveryRank[a] < deliveryRank[b]
            }
        }
    }

    struct Membership {
        let group: Int
        let slot: Int
        let available: Int
    }

    let lines: [Line]
    let candidates: [Candidate]
    let groups: [Group]
    /// For each candidate, the groups it can help with.
    let memberships: [[Membership]]
    /// `slotOf[group][candidate]`: the candidate's slot in the group, or -1.
    let slotOf: [[Int]]
    /// Per candidate (plain arrays: cheap to read in hot loops).
    let deliveryTimes: [Double]
    /// Per group.
    let demands: [Int]

    enum Compiled {
        case problem(PlanningProblem)
        case infeasible(unservableLineIndexes: [Int], candidatesConsidered: Int)
    }

    // MARK: - Compilation

    static func compile(_ request: PlanningRequest) -> Compiled {
        // Candidates sorted by (vendor, location, fulfilment), first occurrence of a triple wins:
        // equal triples sort by their position and all but the first are dropped. Sorting
        // positions and comparing neighbours replaces a hash set of string pairs, and gives each
        // physical location (vendor, location) its stock pool by the same walk (a tenth of a
        // 5 × 20 plan's instructions went to hashing those strings).
        let offered = request.candidates
        let order = offered.indices.sorted { a, b in
            let x = offered[a]
            let y = offered[b]
            if x.vendorId != y.vendorId { return x.vendorId < y.vendorId }
            if x.location != y.location { return x.location < y.location }
            if x.fulfillment != y.fulfillment { return x.fulfillment < y.fulfillment }
            return a < b
        }
        var all: [CandidateLocation] = []
        all.reserveCapacity(order.count)
        /// Parallel to `all`: the stock pool, numbered by first appearance.
        var poolOfAll: [Int] = []
        poolOfAll.reserveCapacity(order.count)
        var poolCount = 0
        for i in order {
            let candidate = offered[i]
            if let previous = all.last, previous.vendorId == candidate.vendorId, previous.location == candidate.location {
                if previous.fulfillment == candidate.fulfillment { continue }
                poolOfAll.append(poolOfAll[poolOfAll.count - 1])
            } else {
                poolOfAll.append(poolCount)
                poolCount += 1
            }
            all.append(candidate)
        }

        let requestLines = request.lines.filter { $0.quantity > 0 }
        var linesBySku: [String: [Int]] = [:]
        for (l, line) in requestLines.enumerated() { linesBySku[line.sku, default: []].append(l) }

        // Eligibility of each line: (index in `all`, offer), ascending by candidate.
        var eligibleByLine = Array(repeating: [EligibleOffer](), count: requestLines.count)
        var relevant = Array(repeating: false, count: all.count)
        func consider(_ c: Int, _ candidate: CandidateLocation, _ offer: CandidateOffer, _ lineIds: [Int]) {
            for l in lineIds {
                let line = requestLines[l]
                if line.fulfillment != candidate.fulfillment { continue }
                if let vendor = line.vendorId, vendor != candidate.vendorId { continue }
                if let max = line.maxUnitPrice, offer.unitPrice > max { continue }
                eligibleByLine[l].append(EligibleOffer(candidate: c, offer: offer))
                relevant[c] = true
            }
        }
        for (c, candidate) in all.enumerated() {
            if let deadline = request.deliverBy, candidate.promisedDelivery > deadline { continue }
            // Walk whichever is smaller: the location's offers or the order's skus.
            if candidate.offers.count <= linesBySku.count {
                for (sku, offer) in candidate.offers where offer.available > 0 {
                    if let lineIds = linesBySku[sku] { consider(c, candidate, offer, lineIds) }
                }
            } else {
                for (sku, lineIds) in linesBySku {
                    if let offer = candidate.offers[sku], offer.available > 0 { consider(c, candidate, offer, lineIds) }
                }
            }
        }

        // Keep only relevant candidates; renumber.
        var localId = Array(repeating: -1, count: all.count)
        var candidates: [Candidate] = []
        candidates.reserveCapacity(all.count)
        /// Parallel to `candidates`.
        var poolOfCandidate: [Int] = []
        poolOfCandidate.reserveCapacity(all.count)
        for (c, candidate) in all.enumerated() where relevant[c] {
            localId[c] = candidates.count
            poolOfCandidate.append(poolOfAll[c])
            candidates.append(
                Candidate(
                    vendorId: candidate.vendorId,
                    location: candidate.location,
                    fulfillment: candidate.fulfillment,
                    promisedDelivery: candidate.promisedDelivery,
                    deliveryTime: candidate.promisedDelivery.timeIntervalSinceReferenceDate,
                    deliveryRank: 0
                ))
        }
        let deliveryTimes = candidates.map(\.deliveryTime)
        let byDelivery = candidates.indices.sorted {
            deliveryTimes[$0] != deliveryTimes[$1] ? deliveryTimes[$0] < deliveryTimes[$1] : $0 < $1
        }
        var deliveryRanks = Array(repeating: 0, count: candidates.count)
        for (rank, c) in byDelivery.enumerated() {
            candidates[c].deliveryRank = rank
            deliveryRanks[c] = rank
        }
        let considered = candidates.count
        eligibleByLine = eligibleByLine.map { $0.map { EligibleOffer(candidate: localId[$0.candidate], offer: $0.offer) } }

        // 1. A line that alone cannot be covered by its eligible candidates is unservable.
        var unservable: [Int] = []
        for (l, line) in requestLines.enumerated() {
            let stock = eligibleByLine[l].reduce(0) { PlanningMath.add($0, $1.offer.available) }
            if stock < line.quantity { unservable.append(line.index) }
        }
        if !unservable.isEmpty {
            return .infeasible(unservableLineIndexes: Array(Set(unservable)).sorted(), candidatesConsidered: considered)
        }

        // 2. Group lines by sku (groups ordered by their first line).
        let lines = requestLines.map { Line(index: $0.index, sku: $0.sku, quantity: $0.quantity) }
        let lineIndexes = lines.map(\.index)
        let lineOrder = lines.indices.sorted {
            lineIndexes[$0] != lineIndexes[$1] ? lineIndexes[$0] < lineIndexes[$1] : $0 < $1
        }
        var groupOfSku: [String: Int] = [:]
        var groupLines: [[Int]] = []
        for l in lineOrder {
            if let g = groupOfSku[lines[l].sku] {
                groupLines[g].append(l)
            } else {
                groupOfSku[lines[l].sku] = groupLines.count
                groupLines.append([l])
            }
        }

        var groups: [Group] = []
        groups.reserveCapacity(groupLines.count)
        var memberships = Array(repeating: [Membership](), count: candidates.count)
        var slotOf: [[Int]] = []
        /// Whole-problem pool → the current group's pool index, or -1 (reset after each group).
        var poolInGroup = Array(repeating: -1, count: poolCount)
        for members in groupLines {
            let sku = lines[members[0]].sku
            // The group's candidates, ascending (each line's list already is).
            var offers = eligibleByLine[members[0]]
            if members.count > 1 {
                var seenCandidate = Array(repeating: false, count: candidates.count)
                var union: [EligibleOffer] = []
                for l in members {
                    for entry in eligibleByLine[l] where !seenCandidate[entry.candidate] {
                        seenCandidate[entry.candidate] = true
                        union.append(entry)
                    }
                }
                offers = union.sorted { $0.candidate < $1.candidate }
            }
            let candidateIds = offers.map(\.candidate)
            var slots = Array(repeating: -1, count: candidates.count)
            for (slot, c) in candidateIds.enumerated() { slots[c] = slot }
            let eligible: [[Bool]] = members.map { l in
                var row = Array(repeating: false, count: candidateIds.count)
                for entry in eligibleByLine[l] { row[slots[entry.candidate]] = true }
                return row
            }
            let available = offers.map(\.offer.available)
            // Capacities reserved up front: growing these arrays one append at a time was a
            // twentieth of a plan's instructions.
            var pool: [Int] = []
            pool.reserveCapacity(candidateIds.count)
            var poolAvailable: [Int] = []
            poolAvailable.reserveCapacity(candidateIds.count)
            for (slot, c) in candidateIds.enumerated() {
                let whole = poolOfCandidate[c]
                let p = poolInGroup[whole]
                if p >= 0 {
                    pool.append(p)
                    poolAvailable[p] = min(poolAvailable[p], available[slot])
                } else {
                    poolInGroup[whole] = poolAvailable.count
                    pool.append(poolAvailable.count)
                    poolAvailable.append(available[slot])
                }
            }
            for c in candidateIds { poolInGroup[poolOfCandidate[c]] = -1 }
            let prices = offers.map(\.offer.unitPrice)
            let quantities = members.map { lines[$0].quantity }
            let ranks = candidateIds.map { deliveryRanks[$0] }
            var branchOrder: [Int] = []
            branchOrder.reserveCapacity(candidateIds.count)
            for c in byDelivery where slots[c] >= 0 { branchOrder.append(slots[c]) }
            let g = groups.count
            groups.append(
                Group(
                    sku: sku,
                    lines: members,
                    quantities: quantities,
                    demand: quantities.reduce(0, PlanningMath.add),
                    candidates: candidateIds,
                    available: available,
                    unitPrice: prices,
                    eligible: eligible,
                    isSimple: eligible.allSatisfy { $0 == eligible[0] },
                    deliveryRank: ranks,
                    branchOrder: branchOrder,
                    pool: pool,
                    poolAvailable: poolAvailable,
                    sharedPools: poolAvailable.count < candidateIds.count
                ))
            for (slot, c) in candidateIds.enumerated() {
                memberships[c].append(Membership(group: g, slot: slot, available: available[slot]))
            }
            slotOf.append(slots)
        }

        let problem = PlanningProblem(
            lines: lines, candidates: candidates, groups: groups, memberships: memberships, slotOf: slotOf,
            deliveryTimes: deliveryTimes, demands: groups.map(\.demand)
        )

        // 3. Every line is coverable alone; lines of one sku may still jointly exceed the stock.
        //    Name every line of each competing cluster (lines linked by shared candidates) that
        //    cannot be covered as a whole.
        var competing: [Int] = []
        for (g, group) in groups.enumerated() {
            if group.isSimple, group.available.reduce(0, PlanningMath.add) >= group.demand { continue }
            let everything = Array(group.candidates.indices)
            if problem.coverage(group: g, slots: everything) >= group.demand { continue }
            for cluster in problem.clusters(group: g) {
                if problem.coverage(group: g, slots: everything, lineSlots: cluster)
                    < cluster.reduce(0, { PlanningMath.add($0, group.quantities[$1]) })
                {
                    competing.append(contentsOf: cluster.map { lines[group.lines[$0]].index })
                }
            }
        }
        if !competing.isEmpty {
            return .infeasible(unservableLineIndexes: Array(Set(competing)).sorted(), candidatesConsidered: considered)
        }
        return .problem(problem)
    }

    private struct EligibleOffer {
        let candidate: Int
        let offer: CandidateOffer
    }

    /// Line slots of a group partitioned into clusters of lines that share candidates, or
    /// candidates' stock (connected components of the line–pool eligibility graph).
    private func clusters(group g: Int) -> [[Int]] {
        let group = groups[g]
        var parent = Array(group.lines.indices)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        var firstInPool = Array(repeating: -1, count: group.poolAvailable.count)
        for slot in group.candidates.indices {
            let pool = group.pool[slot]
            for lineSlot in group.lines.indices where group.eligible[lineSlot][slot] {
                if firstInPool[pool] >= 0 {
                    parent[find(lineSlot)] = find(firstInPool[pool])
                } else {
                    firstInPool[pool] = lineSlot
                }
            }
        }
        var byRoot: [Int: [Int]] = [:]
        for lineSlot in group.lines.indices { byRoot[find(lineSlot), default: []].append(lineSlot) }
        return byRoot.values.sorted { $0[0] < $1[0] }
    }

    // MARK: - Coverage and assignment for one group

    /// Units of the group's lines (all of them, or `lineSlots`) that the candidates in `slots`
    /// can cover, capped at the demand. Exact (max-flow) for non-simple groups.
    func coverage(group g: Int, slots: [Int], lineSlots: [Int]? = nil) -> Int {
        let group = groups[g]
        if group.isSimple, lineSlots == nil {
            var stock = 0
            for slot in slots {
                stock = PlanningMath.add(stock, group.available[slot])
                if stock >= group.demand { return group.demand }
            }
            return stock
        }
        let lineSlots = lineSlots ?? Array(group.lines.indices)
        let demand = lineSlots.reduce(0) { PlanningMath.add($0, group.quantities[$1]) }
        let poolBase = 2 + lineSlots.count + slots.count
        var network = FlowNetwork(nodeCount: poolBase + (group.sharedPools ? group.poolAvailable.count : 0))
        let source = 0
        let sink = 1
        for (i, lineSlot) in lineSlots.enumerated() {
            network.addEdge(from: source, to: 2 + i, capacity: group.quantities[lineSlot])
            for (j, slot) in slots.enumerated() where group.eligible[lineSlot][slot] {
                network.addEdge(from: 2 + i, to: 2 + lineSlots.count + j, capacity: group.quantities[lineSlot])
            }
        }
        addStockEdges(&network, group: group, slots: slots, firstSlotNode: 2 + lineSlots.count, poolBase: poolBase, sink: sink)
        return network.maxFlow(source: source, sink: sink, limit: demand)
    }

    /// Slot → sink edges capped by each slot's stock; with shared pools, slot → pool → sink, so
    /// two candidates of one location never take more than the location holds.
    private func addStockEdges(
        _ network: inout FlowNetwork, group: Group, slots: [Int], firstSlotNode: Int, poolBase: Int, sink: Int
    ) {
        guard group.sharedPools else {
            for (j, slot) in slots.enumerated() {
                network.addEdge(from: firstSlotNode + j, to: sink, capacity: group.available[slot])
            }
            return
        }
        var used = Set<Int>()
        for (j, slot) in slots.enumerated() {
            let p = group.pool[slot]
            network.addEdge(from: firstSlotNode + j, to: poolBase + p, capacity: group.available[slot])
            if used.insert(p).inserted {
                network.addEdge(from: poolBase + p, to: sink, capacity: group.poolAvailable[p])
            }
        }
    }

    /// Whether the candidates in `slots` can cover the whole group. Same answer as
    /// `coverage(...) >= demand`, with cheap checks first: total and per-line stock (necessary),
    /// then a greedy fill, most constrained line first (sufficient); max-flow only when both
    /// are inconclusive.
    func covers(group g: Int, slots: [Int]) -> Bool {
        let group = groups[g]
        var total = 0
        for slot in slots { total = PlanningMath.add(total, group.available[slot]) }
        if total < group.demand { return false }
        if group.isSimple { return true }
        var options = Array(repeating: 0, count: group.lines.count)
        for (lineSlot, quantity) in group.quantities.enumerated() {
            var stock = 0
            for slot in slots where group.eligible[lineSlot][slot] {
                stock = PlanningMath.add(stock, group.available[slot])
                options[lineSlot] += 1
            }
            if stock < quantity { return false }
        }
        // Stock left per slot, or per pool when slots share one.
        var left = group.sharedPools ? group.poolAvailable : slots.map { group.available[$0] }
        let order = group.lines.indices.sorted { options[$0] != options[$1] ? options[$0] < options[$1] : $0 < $1 }
        var greedyCovers = true
        for lineSlot in order {
            var need = group.quantities[lineSlot]
            for (j, slot) in slots.enumerated() where need > 0 && group.eligible[lineSlot][slot] {
                let k = group.sharedPools ? group.pool[slot] : j
                guard left[k] > 0 else { continue }
                let take = min(need, left[k])
                need -= take
                left[k] -= take
            }
            if need > 0 {
                greedyCovers = false
                break
            }
        }
        return greedyCovers || coverage(group: g, slots: slots) >= group.demand
    }

    struct Allocation {
        let lineSlot: Int
        let slot: Int
        let quantity: Int
    }

    /// The cheapest way to cover the whole group from the candidates in `slots` (which must be
    /// able to cover it), preferring, at equal price, earlier-delivery and then smaller
    /// (vendor, location) candidates. Returns nil when the slots cannot cover the demand.
    func cheapestAllocation(group g: Int, slots: [Int]) -> (allocations: [Allocation], price: Int64)? {
        let group = groups[g]
        if group.isSimple {
            // Exact: every line accepts every slot, so filling the lines (in line order) from the
            // cheapest stock first minimises Σ price.
            let ordered = group.cheapestFirst(slots)
            var allocations: [Allocation] = []
            var price: Int64 = 0
            var cursor = 0
            var left = ordered.isEmpty ? 0 : group.available[ordered[0]]
            for (lineSlot, quantity) in group.quantities.enumerated() {
                var need = quantity
                while need > 0 {
                    guard cursor < ordered.count else { return nil }
                    if left == 0 {
                        cursor += 1
                        if cursor < ordered.count { left = group.available[ordered[cursor]] }
                        continue
                    }
                    let take = min(need, left)
                    let slot = ordered[cursor]
                    allocations.append(Allocation(lineSlot: lineSlot, slot: slot, quantity: take))
                    price = PlanningMath.add(price, PlanningMath.multiply(group.unitPrice[slot], take))
                    need -= take
                    left -= take
                }
            }
            return (allocations, price)
        }

        // Lines with different eligibility: exact min-cost flow, cost (price, delivery rank).
        let lineCount = group.lines.count
        let poolBase = 2 + lineCount + slots.count
        var network = FlowNetwork(nodeCount: poolBase + (group.sharedPools ? group.poolAvailable.count : 0))
        var arcs: [(edge: Int, lineSlot: Int, slot: Int)] = []
        for lineSlot in 0..<lineCount {
            network.addEdge(from: 0, to: 2 + lineSlot, capacity: group.quantities[lineSlot])
            for (j, slot) in slots.enumerated() where group.eligible[lineSlot][slot] {
                let cost = FlowCost(
                    price: group.unitPrice[slot],
                    tie: Int64(group.deliveryRank[slot])
                )
                let edge = network.addEdge(from: 2 + lineSlot, to: 2 + lineCount + j, capacity: group.quantities[lineSlot], cost: cost)
                arcs.append((edge, lineSlot, slot))
            }
        }
        addStockEdges(&network, group: group, slots: slots, firstSlotNode: 2 + lineCount, poolBase: poolBase, sink: 1)
        guard network.minCostFlow(source: 0, sink: 1, limit: group.demand) >= group.demand else { return nil }
        var allocations: [Allocation] = []
        var price: Int64 = 0
        for arc in arcs {
            let quantity = network.flow(onEdge: arc.edge)
            guard quantity > 0 else { continue }
            allocations.append(Allocation(lineSlot: arc.lineSlot, slot: arc.slot, quantity: quantity))
            price = PlanningMath.add(price, PlanningMath.multiply(group.unitPrice[arc.slot], quantity))
        }
        return (allocations, price)
    }

    // MARK: - Whole sets of candidates

    /// Slots per group of the given candidate set.
    func slotsByGroup(_ set: [Int]) -> [[Int]] {
        var result = Array(repeating: [Int](), count: groups.count)
        for c in set {
            for membership in memberships[c] { result[membership.group].append(membership.slot) }
        }
        return result
    }

    /// Whether the candidate set can cover every unit of every line.
    func isFeasible(_ set: [Int]) -> Bool {
        let slots = slotsByGroup(set)
        for g in groups.indices where !covers(group: g, slots: slots[g]) {
            return false
        }
        return true
    }

    /// Minimum total price of covering everything from the set, or nil when it cannot.
    func cheapestPrice(_ set: [Int]) -> Int64? {
        let slots = slotsByGroup(set)
        var total: Int64 = 0
        for g in groups.indices {
            if groups[g].isSimple {
                guard let price = simplePrice(group: groups[g], slots: slots[g]) else { return nil }
                total = PlanningMath.add(total, price)
                continue
            }
            guard let allocation = cheapestAllocation(group: g, slots: slots[g]) else { return nil }
            total = PlanningMath.add(total, allocation.price)
        }
        return total
    }

    /// The price of `cheapestAllocation` for a simple group without building its allocations
    /// (the search prices every leaf; only the chosen set's allocations are ever read). Every
    /// line of a simple group accepts every slot, so filling the whole demand from the
    /// cheapest stock costs what filling it line by line does.
    private func simplePrice(group: Group, slots: [Int]) -> Int64? {
        let ordered = group.cheapestFirst(slots)
        var need = group.demand
        var price: Int64 = 0
        for slot in ordered where need > 0 {
            let take = min(need, group.available[slot])
            price = PlanningMath.add(price, PlanningMath.multiply(group.unitPrice[slot], take))
            need -= take
        }
        return need > 0 ? nil : price
    }

    func lastDelivery(_ set: [Int]) -> Double {
        set.reduce(-Double.infinity) { max($0, deliveryTimes[$1]) }
    }
}

/// Objective value of a feasible candidate set: steps (2)–(5), compared lexicographically.
struct PlanScore: Comparable {
    let shipments: Int
    let lastDelivery: Double
    let price: Int64
    /// Candidate ids, ascending, i.e. the sorted (vendorId, location) pairs.
    let set: [Int]

    static func < (lhs: PlanScore, rhs: PlanScore) -> Bool {
        if lhs.shipments != rhs.shipments { return lhs.shipments < rhs.shipments }
        if lhs.lastDelivery != rhs.lastDelivery { return lhs.lastDelivery < rhs.lastDelivery }
        if lhs.price != rhs.price { return lhs.price < rhs.price }
        return lhs.set.lexicographicallyPrecedes(rhs.set)
    }
}
