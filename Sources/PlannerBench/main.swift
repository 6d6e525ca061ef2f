import Foundation
import RoutePlanning

// The routing planner's micro-bench (issue 9): fixed planning problems, the same on every run
// (a seeded generator), planned over and over. Prints time per plan; `bench/planner` runs it
// under callgrind twice (N and 2N plans) for the repeatable figure, instructions per plan.
//
//   planner-bench [--lines 5] [--candidates 20] [--iterations 2000]
//
// Built only when MARKETPLACE_BENCH_TARGETS is set (see Package.swift), so normal builds and
// scripts/test never build it.

struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        // SplitMix64: tiny, and the same sequence on every platform.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `lines` lines of 1–3 units; `candidates` locations of `candidates / 4` vendors, each
/// offering about a third of the skus with 0–5 units, prices and delivery dates spread so
/// that no single location covers the order and the search has real choices to make.
func problem(lines: Int, candidates: Int) -> PlanningRequest {
    var random = SeededGenerator(state: UInt64(lines * 1_000 + candidates))
    let skus = (0..<lines).map { "SKU-\($0)" }
    let planningLines = skus.enumerated().map {
        PlanningLine(index: $0.offset, sku: $0.element, quantity: Int.random(in: 1...3, using: &random))
    }
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let vendors = max(1, candidates / 4)
    var locations: [CandidateLocation] = []
    for c in 0..<candidates {
        var offers: [String: CandidateOffer] = [:]
        for sku in skus where Int.random(in: 0..<3, using: &random) == 0 {
            offers[sku] = CandidateOffer(
                unitPrice: Int64.random(in: 900...1_100, using: &random), available: Int.random(in: 0...5, using: &random))
        }
        locations.append(
            CandidateLocation(
                vendorId: "ven_\(c % vendors)", location: "L\(c)",
                promisedDelivery: start + Double(Int.random(in: 1...5, using: &random)) * 86_400, offers: offers))
    }
    return PlanningRequest(lines: planningLines, candidates: locations)
}

var lines = 5
var candidates = 20
var iterations = 2_000
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    guard let value = arguments.next().flatMap(Int.init), value > 0 else {
        FileHandle.standardError.write(Data("usage: planner-bench [--lines N] [--candidates N] [--iterations N]\n".utf8))
        exit(2)
    }
    switch argument {
    case "--lines": lines = value
    case "--candidates": candidates = value
    case "--iterations": iterations = value
    default:
        FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8))
        exit(2)
    }
}

let request = problem(lines: lines, candidates: candidates)
let planner = RoutingPlanner()
let first = planner.plan(request)
var shipments = 0
var exact = false
if case .planned(let plan) = first {
    shipments = plan.shipments.count
    exact = plan.exact
}
let clock = ContinuousClock()
var checksum = 0
let elapsed = clock.measure {
    for _ in 0..<iterations {
        if case .planned(let plan) = planner.plan(request) { checksum &+= plan.shipments.count }
    }
}
let perPlan = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
let microseconds = (perPlan / Double(iterations) * 100).rounded() / 100
let outcome = first.plan == nil ? "infeasible" : "planned"
print(
    "planner \(lines) lines x \(candidates) candidates: \(iterations) plans, \(microseconds) us/plan "
        + "(\(outcome), \(shipments) shipments, exact \(exact ? "yes" : "no"), checksum \(checksum))")
