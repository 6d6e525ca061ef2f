import Testing

@testable import PoolCore

/// The pool's decisions without a database: instants are made up (a fake clock), connections
/// and waiters are plain values.
@Suite struct PoolStateMachineTests {
    struct FakeConnection: PooledConnection, Equatable {
        let id: Int
        let generation: Int
        let openedAt: ContinuousClock.Instant
    }

    typealias Machine = PoolStateMachine<FakeConnection, String>

    let t0 = ContinuousClock.now
    func at(_ ms: Int) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }
    var soon: ContinuousClock.Instant { at(5000) }

    func machine(size: Int = 2, maxWaiters: Int = 4, lifetime: Duration = .seconds(300)) -> Machine {
        Machine(size: size, maxWaiters: maxWaiters, maxLifetime: lifetime)
    }

    func openGrant(_ lease: Machine.Lease) -> Int? {
        if case .granted(.open(let generation)) = lease.action { return generation }
        return nil
    }

    func usedConnection(_ lease: Machine.Lease) -> FakeConnection? {
        if case .granted(.use(let connection)) = lease.action { return connection }
        return nil
    }

    func waiterID(_ lease: Machine.Lease) -> Int? {
        if case .mustWait(let id) = lease.action { return id }
        return nil
    }

    func failure(_ lease: Machine.Lease) -> Machine.Failure? {
        if case .failed(let failure) = lease.action { return failure }
        return nil
    }

    @Test func opensUpToSizeThenReusesIdleConnectionsLastInFirstOut() throws {
        var m = machine()
        #expect(openGrant(m.lease(now: t0, deadline: soon)) == 0)
        #expect(openGrant(m.lease(now: t0, deadline: soon)) == 0)
        #expect(m.leased == 2 && m.freeSlots == 0)
        let a = FakeConnection(id: 1, generation: 0, openedAt: t0)
        let b = FakeConnection(id: 2, generation: 0, openedAt: t0)
        #expect(m.release(a, .reusable, now: at(1)).close.isEmpty)
        #expect(m.release(b, .reusable, now: at(2)).close.isEmpty)
        #expect(m.leased == 0 && m.idle.count == 2)
        #expect(usedConnection(m.lease(now: at(3), deadline: soon)) == b)
        #expect(m.leased == 1)
    }

    @Test func aFullPoolMakesTasksWaitAndAReleaseHandsTheConnectionOver() throws {
        var m = machine(size: 1)
        _ = m.lease(now: t0, deadline: soon)
        let id = try #require(waiterID(m.lease(now: t0, deadline: soon)))
        let (_, action) = m.enqueue(id: id, waiter: "w1", deadline: soon, now: t0)
        guard case .queued = action else {
            Issue.record("not queued: \(action)")
            return
        }
        #expect(m.waiting == 1)
        let c = FakeConnection(id: 1, generation: 0, openedAt: t0)
        let handover = m.release(c, .reusable, now: at(10))
        #expect(handover.grants.count == 1)
        #expect(handover.grants.first?.0 == "w1")
        if case .use(let given)? = handover.grants.first?.1 { #expect(given == c) } else { Issue.record("no connection handed over") }
        #expect(m.waiting == 0 && m.leased == 1 && m.idle.isEmpty)
    }

    @Test func theLineIsBoundedAndFailsFastWhenFull() throws {
        var m = machine(size: 1, maxWaiters: 2)
        _ = m.lease(now: t0, deadline: soon)
        for name in ["a", "b"] {
            let id = try #require(waiterID(m.lease(now: t0, deadline: soon)))
            _ = m.enqueue(id: id, waiter: name, deadline: soon, now: t0)
        }
        #expect(failure(m.lease(now: t0, deadline: soon)) == .queueFull)
        #expect(m.waiting == 2)
    }

    @Test func aCancelledWaiterLeavesTheLineAtOnce() throws {
        var m = machine(size: 1)
        _ = m.lease(now: t0, deadline: soon)
        let first = try #require(waiterID(m.lease(now: t0, deadline: soon)))
        _ = m.enqueue(id: first, waiter: "first", deadline: soon, now: t0)
        let second = try #require(waiterID(m.lease(now: t0, deadline: soon)))
        _ = m.enqueue(id: second, waiter: "second", deadline: soon, now: t0)
        #expect(m.cancel(waiter: first) == "first")
        #expect(m.cancel(waiter: first) == nil, "a waiter leaves once")
        #expect(m.waiting == 1)
        // The next release goes to the one still waiting.
        let handover = m.release(FakeConnection(id: 1, generation: 0, openedAt: t0), .reusable, now: at(1))
        #expect(handover.grants.map { $0.0 } == ["second"])
    }

    @Test func waitersPastTheirDeadlineExpireAndAreNeverHandedAConnection() throws {
        var m = machine(size: 1)
        _ = m.lease(now: t0, deadline: soon)
        let early = try #require(waiterID(m.lease(now: t0, deadline: at(100))))
        _ = m.enqueue(id: early, waiter: "early", deadline: at(100), now: t0)
        let late = try #require(waiterID(m.lease(now: t0, deadline: at(1000))))
        _ = m.enqueue(id: late, waiter: "late", deadline: at(1000), now: t0)
        #expect(m.expireWaiters(now: at(99)).isEmpty)
        #expect(m.expireWaiters(now: at(100)) == ["early"])
        #expect(m.waiting == 1)
        // A release after "late"'s deadline (its timer not yet run) fails it instead of serving it.
        let handover = m.release(FakeConnection(id: 1, generation: 0, openedAt: t0), .reusable, now: at(1001))
        #expect(handover.grants.isEmpty)
        #expect(handover.expired == ["late"])
        #expect(m.idle.count == 1 && m.leased == 0)
    }

    @Test func oneExpiryTimerServesTheLineAndIsReArmedForTheNearestDeadlineLeft() throws {
        var m = machine(size: 1)
        _ = m.lease(now: t0, deadline: soon)
        func queue(_ name: String, _ deadline: ContinuousClock.Instant) throws {
            let id = try #require(waiterID(m.lease(now: t0, deadline: deadline)))
            _ = m.enqueue(id: id, waiter: name, deadline: deadline, now: t0)
        }
        try queue("first", at(700))
        let armsFirst = m.armExpiry(for: at(700))
        #expect(armsFirst)
        try queue("nearer", at(250))
        let armsNearer = m.armExpiry(for: at(250))
        #expect(armsNearer, "a nearer deadline arms its own timer")
        try queue("behind", at(450))
        let armsBehind = m.armExpiry(for: at(450))
        #expect(!armsBehind, "a timer fires sooner and re-arms for it")
        // The 250 timer: expires "nearer", re-arms for "behind".
        let fired = m.expiryTimerFired(armedFor: at(250), now: at(251))
        #expect(fired.expired == ["nearer"] && fired.armNext == at(450))
        // The 450 timer: expires "behind" and arms for "first" (only the nearest armed instant is
        // kept, so the timer "first" armed itself may fire as well: it finds nobody, harmless).
        let second = m.expiryTimerFired(armedFor: at(450), now: at(451))
        #expect(second.expired == ["behind"] && second.armNext == at(700))
        let last = m.expiryTimerFired(armedFor: at(700), now: at(701))
        #expect(last.expired == ["first"] && last.armNext == nil)
        #expect(m.waiting == 0)
        let armsAfter = m.armExpiry(for: at(2000))
        #expect(armsAfter, "with no timer armed, the next waiter arms one")
    }

    @Test func aLeaseWhoseDeadlinePassedFailsWithoutTakingAnything() throws {
        var m = machine()
        #expect(failure(m.lease(now: at(10), deadline: at(10))) == .deadlineExceeded)
        #expect(m.leased == 0 && m.freeSlots == 2)
        _ = m.lease(now: t0, deadline: soon)
        _ = m.lease(now: t0, deadline: soon)
        let id = try #require(waiterID(m.lease(now: at(1), deadline: at(2))))
        let (_, action) = m.enqueue(id: id, waiter: "w", deadline: at(2), now: at(3))
        guard case .failed(.deadlineExceeded) = action else {
            Issue.record("\(action)")
            return
        }
        #expect(m.waiting == 0)
    }

    @Test func connectionsAreRetiredAfterTheirLifetimeAtReleaseAndAtLease() throws {
        var m = machine(size: 2, lifetime: .seconds(10))
        _ = m.lease(now: t0, deadline: at(60_000))
        _ = m.lease(now: t0, deadline: at(60_000))
        let old = FakeConnection(id: 1, generation: 0, openedAt: t0)
        let young = FakeConnection(id: 2, generation: 0, openedAt: at(5000))
        #expect(m.release(old, .reusable, now: at(10_000)).close == [old], "retired when it comes back too old")
        #expect(m.release(young, .reusable, now: at(10_000)).close.isEmpty)
        // Idle, it ages past its lifetime: the next lease closes it and opens a new one instead.
        let lease = m.lease(now: at(15_000), deadline: at(60_000))
        #expect(lease.close == [young])
        #expect(openGrant(lease) == 0)
        #expect(m.leased == 1 && m.idle.isEmpty && m.freeSlots == 1)
    }

    /// A full pool of `count` connections of generation 0, all idle since `at(1)`, and the
    /// first of them leased again at `at(2)`.
    private func oneLeasedOfIdle(_ count: Int) throws -> (Machine, [FakeConnection], FakeConnection) {
        var m = machine(size: count)
        let old = (1...count).map { FakeConnection(id: $0, generation: 0, openedAt: t0) }
        for _ in old { _ = m.lease(now: t0, deadline: soon) }
        for c in old { _ = m.release(c, .reusable, now: at(1)) }
        let first = try #require(usedConnection(m.lease(now: at(2), deadline: soon)))
        return (m, old, first)
    }

    @Test func aDeadConnectionFoundAtLeaseDiscardsTheIdleOnesOpenedBeforeIt() throws {
        var (m, old, first) = try oneLeasedOfIdle(4)
        let (handover, generation) = m.foundDead(first, now: at(2))
        #expect(generation == 1)
        #expect(Set(handover.close.map(\.id)) == Set(old.map(\.id)), "the dead one and every idle one of its age")
        #expect(m.idle.isEmpty && m.leased == 1 && m.freeSlots == 3)
        // A connection opened after the failure is kept when another old one is reported later.
        let fresh = FakeConnection(id: 9, generation: generation, openedAt: at(3))
        _ = m.release(fresh, .reusable, now: at(4))
        _ = m.lease(now: at(5), deadline: soon)  // takes `fresh`
        _ = m.lease(now: at(5), deadline: soon)  // opens
        let handover2 = m.release(FakeConnection(id: 10, generation: 0, openedAt: t0), .broken, now: at(6))
        #expect(handover2.close.map(\.id) == [10])
        #expect(m.generation == 1)
    }

    @Test func aConnectionThisProcessClosedFoundAtLeaseKeepsTheIdleOnes() throws {
        var (m, _, first) = try oneLeasedOfIdle(3)
        let (handover, generation) = m.foundDead(first, broken: false, now: at(2))
        #expect(generation == 0 && m.generation == 0)
        #expect(handover.close.map(\.id) == [first.id], "only the closed one goes")
        #expect(m.idle.count == 2 && m.leased == 1 && m.freeSlots == 0)
    }

    @Test func aBrokenConnectionFreesSlotsForWaiters() throws {
        var m = machine(size: 2)
        let a = FakeConnection(id: 1, generation: 0, openedAt: t0)
        let b = FakeConnection(id: 2, generation: 0, openedAt: t0)
        _ = m.lease(now: t0, deadline: soon)
        _ = m.lease(now: t0, deadline: soon)
        _ = m.release(a, .reusable, now: at(1))
        _ = m.lease(now: at(1), deadline: soon)  // a again
        #expect(m.freeSlots == 0)
        let id = try #require(waiterID(m.lease(now: at(2), deadline: soon)))
        _ = m.enqueue(id: id, waiter: "w", deadline: soon, now: at(2))
        let handover = m.release(b, .broken, now: at(3))
        #expect(handover.close == [b])
        #expect(handover.grants.count == 1)
        if case .open(let generation)? = handover.grants.first?.1 { #expect(generation == 1) } else { Issue.record("no slot handed over") }
    }

    @Test func aDiscardedConnectionIsClosedAndItsSlotReused() throws {
        var m = machine(size: 1)
        _ = m.lease(now: t0, deadline: soon)
        let c = FakeConnection(id: 1, generation: 0, openedAt: t0)
        let handover = m.release(c, .discarded, now: at(1))
        #expect(handover.close == [c])
        #expect(m.generation == 0, "a connection abandoned at a deadline says nothing about the others")
        #expect(openGrant(m.lease(now: at(2), deadline: soon)) == 0)
    }

    @Test func aFailedOpenGivesTheSlotToTheNextWaiter() throws {
        var m = machine(size: 1)
        _ = m.lease(now: t0, deadline: soon)
        let id = try #require(waiterID(m.lease(now: t0, deadline: soon)))
        _ = m.enqueue(id: id, waiter: "w", deadline: soon, now: t0)
        let handover = m.openFailed(now: at(1))
        #expect(handover.grants.map { $0.0 } == ["w"])
        #expect(m.leased == 1 && m.freeSlots == 0)
    }

    @Test func somethingFreedBetweenLeaseAndEnqueueIsGrantedInsteadOfWaiting() throws {
        var m = machine(size: 1)
        _ = m.lease(now: t0, deadline: soon)
        let id = try #require(waiterID(m.lease(now: t0, deadline: soon)))
        let c = FakeConnection(id: 1, generation: 0, openedAt: t0)
        _ = m.release(c, .reusable, now: at(1))
        let (_, action) = m.enqueue(id: id, waiter: "w", deadline: soon, now: at(2))
        guard case .granted(.use(let given)) = action else {
            Issue.record("\(action)")
            return
        }
        #expect(given == c)
        #expect(m.waiting == 0)
    }

    @Test func shutdownFailsWaitersClosesIdleAndRefusesLeases() throws {
        var m = machine(size: 2)
        let a = FakeConnection(id: 1, generation: 0, openedAt: t0)
        _ = m.lease(now: t0, deadline: soon)
        _ = m.lease(now: t0, deadline: soon)
        _ = m.release(a, .reusable, now: at(1))
        _ = m.lease(now: at(1), deadline: soon)
        let id = try #require(waiterID(m.lease(now: at(1), deadline: soon)))
        _ = m.enqueue(id: id, waiter: "w", deadline: soon, now: at(1))
        let (close, waiters) = m.shutDown()
        #expect(close.isEmpty && waiters == ["w"])
        #expect(failure(m.lease(now: at(2), deadline: soon)) == .shutDown)
        #expect(m.release(a, .reusable, now: at(3)).close == [a], "a connection coming back after shutdown is closed")
    }
}

extension PoolStateMachineTests {
    @Test func housekeepingRetiresOnlyIdleConnectionsPastTheirLifetime() throws {
        var m = machine(size: 3, lifetime: .seconds(10))
        let old = FakeConnection(id: 1, generation: 0, openedAt: t0)
        let young = FakeConnection(id: 2, generation: 0, openedAt: at(8000))
        let leased = FakeConnection(id: 3, generation: 0, openedAt: t0)
        for _ in 0..<3 { _ = m.lease(now: t0, deadline: at(60_000)) }
        _ = m.release(old, .reusable, now: at(9000))
        _ = m.release(young, .reusable, now: at(9000))
        #expect(m.retireIdle(now: at(9999)).isEmpty)
        #expect(m.retireIdle(now: at(10_000)) == [old])
        #expect(m.idle == [young] && m.freeSlots == 1 && m.leased == 1)
        #expect(m.release(leased, .reusable, now: at(11_000)).close == [leased], "a leased one is retired when it comes back")
    }
}

extension PoolStateMachineTests {
    @Test func aLeasedConnectionChangesHandsOnlyToAnAcceptedLiveWaiterInFront() throws {
        var m = machine(size: 1, lifetime: .seconds(10))
        _ = m.lease(now: t0, deadline: soon)
        let c = FakeConnection(id: 1, generation: 0, openedAt: t0)
        #expect(m.handOver(c, now: at(1), accepting: { _ in true }) == nil, "nobody waits")
        for (name, deadline) in [("first", at(100)), ("second", soon)] {
            let id = try #require(waiterID(m.lease(now: t0, deadline: deadline)))
            _ = m.enqueue(id: id, waiter: name, deadline: deadline, now: t0)
        }
        #expect(m.handOver(c, now: at(1), accepting: { $0 == "second" }) == nil, "only the first in line, never one behind it")
        #expect(m.handOver(c, now: at(100), accepting: { _ in true }) == nil, "not to a waiter past its deadline")
        #expect(m.waiting == 2)
        let old = FakeConnection(id: 2, generation: 0, openedAt: t0 - .seconds(10))
        #expect(m.handOver(old, now: at(1), accepting: { _ in true }) == nil, "not a connection past its lifetime")
        #expect(m.handOver(c, now: at(1), accepting: { _ in true }) == "first")
        #expect(m.waiting == 1 && m.leased == 1 && m.freeSlots == 0, "the slot changed hands, still leased")
        _ = m.shutDown()
        #expect(m.handOver(c, now: at(2), accepting: { _ in true }) == nil, "not once shutting down")
    }
}
