/// How a leased connection came back.
public enum ReturnedConnection: Equatable, Sendable {
    /// Usable as it is: open, outside a transaction.
    case reusable
    /// The connection itself broke (the server closed it): others of its age may be broken too.
    case broken
    /// Not to be reused for a reason of its own (abandoned at a deadline, left in a transaction).
    case discarded
}

/// What a task that holds a slot does with it.
public enum PoolGrant<Connection> {
    /// Use this idle connection (after the non-blocking check that it is still alive).
    case use(Connection)
    /// Open a new connection, of this generation.
    case open(generation: Int)
}

/// What the pool needs to know about a connection to decide about it.
public protocol PooledConnection {
    /// The pool's generation when the connection was opened (see `PoolStateMachine.generation`).
    var generation: Int { get }
    var openedAt: ContinuousClock.Instant { get }
}

/// The pool's decisions, and nothing else: no I/O, no clock, no locks. Every input (the time
/// included) is a parameter, so tests drive it with instants of their own choosing; the pool
/// runs it under a mutex and carries out what it returns (open, close, resume a waiter).
///
/// Slots: `size` connections at most exist or are being opened. A slot is either free, leased
/// (a task uses its connection, or is opening one) or idle (its connection waits in `idle`).
/// A task that finds neither an idle connection nor a free slot waits in a bounded FIFO line
/// until a releasing task hands it a connection or a slot, its deadline passes, or it is
/// cancelled. (postgres-nio's `PoolStateMachine` is the model.)
public struct PoolStateMachine<Connection: PooledConnection, Waiter> {
    public let size: Int
    public let maxWaiters: Int
    public let maxLifetime: Duration

    public private(set) var idle: [Connection] = []
    public private(set) var freeSlots: Int
    /// Slots held by tasks: using a connection or opening one (`/metrics` shows it).
    public private(set) var leased = 0
    private var waiters: [Waiting] = []
    /// Bumped when a connection is found broken: idle connections of an older generation were
    /// opened before the failure was seen and are presumed broken by the same cause (a restart).
    public private(set) var generation = 0
    private var nextWaiterID = 0
    /// The deadline the line's expiry timer is armed for, nil when none is.
    private var expiryArmedFor: ContinuousClock.Instant?
    public private(set) var isShutDown = false

    private struct Waiting {
        let id: Int
        let deadline: ContinuousClock.Instant
        let waiter: Waiter
    }

    public init(size: Int, maxWaiters: Int, maxLifetime: Duration) {
        precondition(size > 0 && maxWaiters >= 0)
        self.size = size
        self.maxWaiters = maxWaiters
        self.maxLifetime = maxLifetime
        self.freeSlots = size
    }

    public var waiting: Int { waiters.count }

    public typealias Grant = PoolGrant<Connection>

    public enum Failure: Equatable, Sendable {
        case shutDown
        case deadlineExceeded
        case queueFull
    }

    public enum LeaseAction {
        case granted(Grant)
        /// Nothing is free: call `enqueue` with this id (it may be granted or fail there).
        case mustWait(id: Int)
        case failed(Failure)
    }

    /// A lease decision; `close` lists connections retired on the way (past their lifetime).
    public struct Lease {
        public var close: [Connection] = []
        public var action: LeaseAction
    }

    public mutating func lease(now: ContinuousClock.Instant, deadline: ContinuousClock.Instant) -> Lease {
        if isShutDown { return Lease(action: .failed(.shutDown)) }
        if deadline <= now { return Lease(action: .failed(.deadlineExceeded)) }
        var lease = Lease(action: .failed(.queueFull))
        if let grant = grantNow(now: now, close: &lease.close) {
            lease.action = .granted(grant)
        } else if waiters.count >= maxWaiters {
            lease.action = .failed(.queueFull)
        } else {
            nextWaiterID += 1
            lease.action = .mustWait(id: nextWaiterID)
        }
        return lease
    }

    public enum EnqueueAction {
        case granted(Grant)
        case queued
        case failed(Failure)
    }

    /// Joins the line, unless something was freed since `lease` said to wait.
    public mutating func enqueue(
        id: Int, waiter: Waiter, deadline: ContinuousClock.Instant, now: ContinuousClock.Instant
    ) -> (close: [Connection], action: EnqueueAction) {
        if isShutDown { return ([], .failed(.shutDown)) }
        if deadline <= now { return ([], .failed(.deadlineExceeded)) }
        var close: [Connection] = []
        if let grant = grantNow(now: now, close: &close) { return (close, .granted(grant)) }
        if waiters.count >= maxWaiters { return (close, .failed(.queueFull)) }
        waiters.append(Waiting(id: id, deadline: deadline, waiter: waiter))
        return (close, .queued)
    }

    private mutating func grantNow(now: ContinuousClock.Instant, close: inout [Connection]) -> Grant? {
        while let connection = idle.popLast() {
            if now - connection.openedAt >= maxLifetime {
                close.append(connection)
                freeSlots += 1
                continue
            }
            leased += 1
            return .use(connection)
        }
        guard freeSlots > 0 else { return nil }
        freeSlots -= 1
        leased += 1
        return .open(generation: generation)
    }

    /// What to do after a release or another change that freed slots.
    public struct Handover {
        public var close: [Connection] = []
        /// Waiters to resume with a grant.
        public var grants: [(Waiter, Grant)] = []
        /// Waiters whose deadline had passed when something came free for them.
        public var expired: [Waiter] = []
    }

    public mutating func release(_ connection: Connection, _ returned: ReturnedConnection, now: ContinuousClock.Instant) -> Handover {
        var handover = Handover()
        leased -= 1
        if returned == .broken { discardIdle(upTo: connection.generation, into: &handover) }
        if isShutDown || returned != .reusable || now - connection.openedAt >= maxLifetime {
            handover.close.append(connection)
            freeSlots += 1
        } else {
            idle.append(connection)
        }
        serveWaiters(now: now, into: &handover)
        return handover
    }

    /// The first waiter in line, taken out of it to be handed `connection` straight from the
    /// task that holds it, which sends the waiter's first statements behind its own last ones
    /// (the slot stays leased: it changes hands). Nil, and nothing changes, unless there is a
    /// first waiter, `accepts` it, its deadline has not passed, and the connection is one a
    /// release would keep (the pool is not shutting down, the connection is within its lifetime).
    public mutating func handOver(
        _ connection: Connection, now: ContinuousClock.Instant, accepting accepts: (Waiter) -> Bool
    ) -> Waiter? {
        guard !isShutDown, now - connection.openedAt < maxLifetime, let first = waiters.first, first.deadline > now,
            accepts(first.waiter)
        else { return nil }
        waiters.removeFirst()
        return first.waiter
    }

    /// The connection just granted turned out to be dead (the non-blocking check at lease
    /// time): it goes and, when the server closed it (`broken`), so do the idle connections
    /// opened before it; one this process closed (a connection handed over after its holder
    /// abandoned it) says nothing about the others. The caller keeps its slot and opens a new
    /// connection of the returned generation.
    public mutating func foundDead(
        _ connection: Connection, broken: Bool = true, now: ContinuousClock.Instant
    ) -> (Handover, generation: Int) {
        var handover = Handover()
        handover.close.append(connection)
        if broken { discardIdle(upTo: connection.generation, into: &handover) }
        serveWaiters(now: now, into: &handover)
        return (handover, generation)
    }

    /// Opening a connection failed: the slot is free again.
    public mutating func openFailed(now: ContinuousClock.Instant) -> Handover {
        var handover = Handover()
        leased -= 1
        freeSlots += 1
        serveWaiters(now: now, into: &handover)
        return handover
    }

    /// The waiter's task was cancelled: it leaves the line at once. Nil when it already left.
    public mutating func cancel(waiter id: Int) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).waiter
    }

    /// Whether a timer should be armed for a waiter with this deadline: yes unless one is armed
    /// for that instant or sooner. One timer serves the whole line (`expiryTimerFired` re-arms
    /// it), instead of a timer per queued lease.
    public mutating func armExpiry(for deadline: ContinuousClock.Instant) -> Bool {
        if let armed = expiryArmedFor, armed <= deadline { return false }
        expiryArmedFor = deadline
        return true
    }

    /// The timer armed for `armedFor` fired: the waiters whose deadline has passed, and the
    /// instant to arm the next timer for (the nearest deadline left), if one is needed.
    public mutating func expiryTimerFired(
        armedFor: ContinuousClock.Instant, now: ContinuousClock.Instant
    ) -> (expired: [Waiter], armNext: ContinuousClock.Instant?) {
        let expired = expireWaiters(now: now)
        if expiryArmedFor == armedFor { expiryArmedFor = nil }
        guard let nearest = waiters.lazy.map(\.deadline).min(), armExpiry(for: nearest) else { return (expired, nil) }
        return (expired, nearest)
    }

    /// Removes and returns the waiters whose deadline has passed.
    public mutating func expireWaiters(now: ContinuousClock.Instant) -> [Waiter] {
        var expired: [Waiter] = []
        waiters.removeAll { waiting in
            guard waiting.deadline <= now else { return false }
            expired.append(waiting.waiter)
            return true
        }
        return expired
    }

    /// Idle connections past their lifetime, removed to be closed (housekeeping: a lease would
    /// retire them too, but a quiet pool should not keep old backends around).
    public mutating func retireIdle(now: ContinuousClock.Instant) -> [Connection] {
        var retired: [Connection] = []
        let maxLifetime = maxLifetime
        idle.removeAll { connection in
            guard now - connection.openedAt >= maxLifetime else { return false }
            retired.append(connection)
            return true
        }
        freeSlots += retired.count
        return retired
    }

    /// Stops leasing: idle connections are to be closed and every waiter failed; leased ones are
    /// closed as they come back.
    public mutating func shutDown() -> (close: [Connection], waiters: [Waiter]) {
        isShutDown = true
        let close = idle
        freeSlots += idle.count
        idle.removeAll()
        let waiting = waiters.map(\.waiter)
        waiters.removeAll()
        return (close, waiting)
    }

    private mutating func discardIdle(upTo brokenGeneration: Int, into handover: inout Handover) {
        if brokenGeneration >= generation { generation = brokenGeneration + 1 }
        idle.removeAll { connection in
            guard connection.generation <= brokenGeneration else { return false }
            handover.close.append(connection)
            freeSlots += 1
            return true
        }
    }

    /// Hands idle connections and free slots to waiters, first come first served.
    private mutating func serveWaiters(now: ContinuousClock.Instant, into handover: inout Handover) {
        while !waiters.isEmpty, !idle.isEmpty || freeSlots > 0 {
            let next = waiters.removeFirst()
            if next.deadline <= now {
                handover.expired.append(next.waiter)
                continue
            }
            guard let grant = grantNow(now: now, close: &handover.close) else {
                waiters.insert(next, at: 0)
                break
            }
            handover.grants.append((next.waiter, grant))
        }
    }
}

extension PoolGrant: Sendable where Connection: Sendable {}
extension PoolStateMachine.Handover: Sendable where Connection: Sendable, Waiter: Sendable {}
