/// Lexicographic cost used by the min-cost assignment: first the price, then a tie value
/// (the candidate's delivery rank), so that among equally cheap assignments the one preferring
/// earlier-delivery, then smaller (vendor, location) candidates wins.
struct FlowCost: Comparable, Sendable {
    var price: Int64
    var tie: Int64

    static let zero = FlowCost(price: 0, tie: 0)

    static func + (lhs: FlowCost, rhs: FlowCost) -> FlowCost {
        FlowCost(price: PlanningMath.add(lhs.price, rhs.price), tie: PlanningMath.add(lhs.tie, rhs.tie))
    }

    static prefix func - (cost: FlowCost) -> FlowCost {
        FlowCost(price: -cost.price, tie: -cost.tie)
    }

    static func < (lhs: FlowCost, rhs: FlowCost) -> Bool {
        lhs.price != rhs.price ? lhs.price < rhs.price : lhs.tie < rhs.tie
    }
}

/// A small flow network (adjacency lists with paired residual edges) for the per-sku
/// transportation problems: lines → candidate locations, with candidate stock as capacity.
/// The graphs are tiny (lines of one sku plus the candidates that carry it), so simple
/// algorithms are used: Edmonds–Karp for feasibility, successive shortest paths with
/// Bellman–Ford (queue based) for the min-cost assignment.
struct FlowNetwork {
    struct Edge {
        var to: Int
        var capacity: Int
        var cost: FlowCost
    }

    private(set) var edges: [Edge] = []
    private var adjacency: [[Int]]

    init(nodeCount: Int) {
        adjacency = Array(repeating: [], count: nodeCount)
    }

    var nodeCount: Int { adjacency.count }

    /// Adds an edge and its residual twin; returns the edge's id (for `flow(onEdge:)`).
    @discardableResult
    mutating func addEdge(from: Int, to: Int, capacity: Int, cost: FlowCost = .zero) -> Int {
        let id = edges.count
        edges.append(Edge(to: to, capacity: capacity, cost: cost))
        adjacency[from].append(id)
        edges.append(Edge(to: from, capacity: 0, cost: -cost))
        adjacency[to].append(id + 1)
        return id
    }

    /// Units currently flowing over an edge created by `addEdge`.
    func flow(onEdge id: Int) -> Int {
        edges[id ^ 1].capacity
    }

    /// Maximum flow (Edmonds–Karp), stopping early once `limit` units flow.
    mutating func maxFlow(source: Int, sink: Int, limit: Int = .max) -> Int {
        var total = 0
        var parentEdge = Array(repeating: -1, count: nodeCount)
        var queue: [Int] = []
        queue.reserveCapacity(nodeCount)
        while total < limit {
            for i in parentEdge.indices { parentEdge[i] = -1 }
            queue.removeAll(keepingCapacity: true)
            queue.append(source)
            var head = 0
            var reached = false
            while head < queue.count, !reached {
                let node = queue[head]
                head += 1
                for id in adjacency[node] {
                    let edge = edges[id]
                    if edge.capacity > 0, edge.to != source, parentEdge[edge.to] == -1 {
                        parentEdge[edge.to] = id
                        if edge.to == sink {
                            reached = true
                            break
                        }
                        queue.append(edge.to)
                    }
                }
            }
            if !reached { break }
            total = PlanningMath.add(total, augment(source: source, sink: sink, parentEdge: parentEdge, limit: limit - total))
        }
        return total
    }

    /// Minimum-cost flow of up to `limit` units (successive shortest paths). Returns the flow sent.
    /// Costs must be non-negative on the forward edges (they are: prices and ranks).
    mutating func minCostFlow(source: Int, sink: Int, limit: Int = .max) -> Int {
        var total = 0
        var distance = Array(repeating: FlowCost.zero, count: nodeCount)
        var known = Array(repeating: false, count: nodeCount)
        var inQueue = Array(repeating: false, count: nodeCount)
        var parentEdge = Array(repeating: -1, count: nodeCount)
        var queue: [Int] = []
        while total < limit {
            for i in 0..<nodeCount {
                known[i] = false
                inQueue[i] = false
                parentEdge[i] = -1
            }
            distance[source] = .zero
            known[source] = true
            queue.removeAll(keepingCapacity: true)
            queue.append(source)
            inQueue[source] = true
            var head = 0
            while head < queue.count {
                let node = queue[head]
                head += 1
                inQueue[node] = false
                for id in adjacency[node] {
                    let edge = edges[id]
                    guard edge.capacity > 0 else { continue }
                    let candidate = distance[node] + edge.cost
                    if !known[edge.to] || candidate < distance[edge.to] {
                        known[edge.to] = true
                        distance[edge.to] = candidate
                        parentEdge[edge.to] = id
                        if !inQueue[edge.to] {
                            inQueue[edge.to] = true
                            queue.append(edge.to)
                        }
                    }
                }
            }
            if !known[sink] { break }
            total = PlanningMath.add(total, augment(source: source, sink: sink, parentEdge: parentEdge, limit: limit - total))
        }
        return total
    }

    /// Pushes the bottleneck amount along the path recorded in `parentEdge`.
    private mutating func augment(source: Int, sink: Int, parentEdge: [Int], limit: Int) -> Int {
        var bottleneck = limit
        var node = sink
        while node != source {
            let id = parentEdge[node]
            bottleneck = min(bottleneck, edges[id].capacity)
            node = edges[id ^ 1].to
        }
        node = sink
        while node != source {
            let id = parentEdge[node]
            edges[id].capacity -= bottleneck
            edges[id ^ 1].capacity = PlanningMath.add(edges[id ^ 1].capacity, bottleneck)
            node = edges[id ^ 1].to
        }
        return bottleneck
    }
}
