import CPostgres
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Waits for libpq sockets without a thread per wait. One thread runs `epoll_wait` over the
/// sockets that tasks are waiting on and resumes each task when its socket is ready or its
/// deadline passes; the task itself then reads with libpq's non-blocking calls.
///
/// Before, each statement's whole exchange ran on a pool thread that blocked in `poll()`: a
/// hand-over to that thread (a futex wake-up), a wake-up when the answer came, and a hop back
/// to the task, on every round trip. Here a round trip costs the reactor's wake-up and the hop
/// back. Deadlines stay exact: the reactor never sleeps past the nearest deadline, nor longer
/// than `tick`, even when nobody waits. A new waiter therefore wakes it only when its deadline
/// comes before the reactor's planned wake-up; waking it for every wait (as when it slept
/// without a timeout while idle) cost a second thread wake-up per round trip whenever the
/// reactor had nothing else to watch.
///
/// Why not NIO: its event loops own their selectors and have no public way to watch a socket
/// that another library (libpq) reads and writes.
final class SocketReactor: Sendable {
    /// The process's reactor, or nil where epoll is unavailable (then `Connection` waits on a
    /// thread of its own, as before).
    static let shared: SocketReactor? = SocketReactor()

    private static let tick: Duration = .milliseconds(50)

    private struct Waiter {
        let continuation: HomeboundContinuation<Result<SocketWait.Readiness?, PostgresError>, Never>
        let deadline: ContinuousClock.Instant
    }

    private struct State {
        var waiters: [Int32: Waiter] = [:]
        /// When the reactor's current `epoll_wait` returns at the latest; nil while it is
        /// awake (it looks at every waiter again before it sleeps). A waiter whose deadline
        /// comes sooner must wake it.
        var sleepsUntil: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let epoll: Int32
    private let wakeup: Int32

    private init?() {
        #if os(Linux)
            let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
            guard epoll >= 0 else { return nil }
            let wakeup = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
            guard wakeup >= 0 else {
                Glibc.close(epoll)
                return nil
            }
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.fd = wakeup
            guard epoll_ctl(epoll, EPOLL_CTL_ADD, wakeup, &event) == 0 else {
                Glibc.close(epoll)
                Glibc.close(wakeup)
                return nil
            }
            self.epoll = epoll
            self.wakeup = wakeup
            let thread = Thread { [self] in self.run() }
            thread.name = "postgres-reactor"
            thread.start()
        #else
            return nil
        #endif
    }

    /// Readiness of `fd`, or nil when `deadline` passed first. Throws when the socket cannot be
    /// watched (epoll refused it). One waiter per socket at a time: a connection is used by
    /// one task at a time (its lease).
    func wait(
        _ fd: Int32, read: Bool, write: Bool, until deadline: ContinuousClock.Instant
    ) async throws(PostgresError) -> SocketWait.Readiness? {
        #if os(Linux)
            if deadline <= .now { return nil }
            let outcome = await withCheckedContinuation { continuation in
                let mustWake = state.withLock { state in
                    state.waiters[fd] = Waiter(continuation: HomeboundContinuation(continuation), deadline: deadline)
                    guard let sleepsUntil = state.sleepsUntil, deadline < sleepsUntil else { return false }
                    state.sleepsUntil = nil  // one wake-up is enough for every waiter until it sleeps again
                    return true
                }
                // Armed after the waiter is in place, so an event at once finds it. One-shot:
                // the socket is watched for this wait only.
                var event = epoll_event()
                event.events = EPOLLONESHOT.rawValue | (read ? EPOLLIN.rawValue : 0) | (write ? EPOLLOUT.rawValue : 0)
                event.data.fd = fd
                var armed = epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event) == 0
                // A socket not watched yet (or a new one under a closed one's number).
                if !armed, errno == ENOENT { armed = epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 }
                if !armed {
                    let error = PostgresError(sqlState: nil, message: "epoll_ctl() on the database socket failed (errno \(errno))")
                    // Whoever takes the waiter out resumes it, exactly once.
                    if let waiter = state.withLock({ $0.waiters.removeValue(forKey: fd) }) {
                        waiter.continuation.resume(returning: .failure(error))
                    }
                    return
                }
                if mustWake { signal() }
            }
            return try outcome.get()
        #else
            return nil
        #endif
    }

    #if os(Linux)
        private func signal() {
            var one: UInt64 = 1
            _ = Glibc.write(wakeup, &one, 8)
        }

        private func run() {
            var events = [epoll_event](repeating: epoll_event(), count: 64)
            while true {
                let timeout = state.withLock { state -> Int32 in
                    let now = ContinuousClock.now
                    var remaining = Self.tick
                    if let nearest = state.waiters.values.lazy.map(\.deadline).min() {
                        remaining = min(max(nearest - now, .zero), Self.tick)
                    }
                    let (seconds, attoseconds) = remaining.components
                    // Rounded up, so a wait of 0.3 ms does not spin on a timeout of 0.
                    let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
                    state.sleepsUntil = now + .milliseconds(milliseconds)
                    return Int32(milliseconds)
                }
                let count = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), timeout) }
                var resumed: [(Waiter, Result<SocketWait.Readiness?, PostgresError>)] = []
                state.withLock { state in
                    state.sleepsUntil = nil
                    for i in 0..<Int(max(count, 0)) {
                        let fd = events[i].data.fd
                        if fd == wakeup {
                            var value: UInt64 = 0
                            _ = Glibc.read(wakeup, &value, 8)
                            continue
                        }
                        guard let waiter = state.waiters.removeValue(forKey: fd) else { continue }
                        let flags = events[i].events
                        // Errors and hang-ups count as readable and writable: libpq reads them
                        // and reports the failure.
                        let failed = flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
                        let readiness = SocketWait.Readiness(
                            readable: failed || flags & EPOLLIN.rawValue != 0, writable: failed || flags & EPOLLOUT.rawValue != 0)
                        resumed.append((waiter, .success(readiness)))
                    }
                    let now = ContinuousClock.now
                    for (fd, waiter) in state.waiters where waiter.deadline <= now {
                        state.waiters[fd] = nil
                        resumed.append((waiter, .success(nil)))
                    }
                }
                for (waiter, outcome) in resumed { waiter.continuation.resume(returning: outcome) }
            }
        }
    #endif
}
