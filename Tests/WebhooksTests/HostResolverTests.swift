import Foundation
import Synchronization
import Testing

@testable import Webhooks

/// A resolver whose lookups hang: callers are answered at their deadline anyway, and the
/// number of lookups waiting is bounded.
@Suite struct HostResolverTests {
    static func hanging(threads: Int, maxPending: Int) -> HostResolver {
        HostResolver(threads: threads, maxPending: maxPending) { host in
            if host.hasPrefix("hang") { Thread.sleep(forTimeInterval: 10) }
            return [[127, 0, 0, 1]]
        }
    }

    @Test func aHangingLookupEndsAtTheCallersDeadline() async throws {
        // A resolver that says when its thread is stuck: a lookup whose caller gave up before a
        // thread took it is skipped, so on a loaded machine the thread may otherwise stay free.
        let stuck = Mutex(false)
        let resolver = HostResolver(threads: 1, maxPending: 8) { host in
            if host.hasPrefix("hang") {
                stuck.withLock { $0 = true }
                Thread.sleep(forTimeInterval: 10)
            }
            return [[127, 0, 0, 1]]
        }
        let started = ContinuousClock.now
        async let hung = withDeadline(.now + .seconds(2)) { try await resolver.resolve("hang.example") }
        while !stuck.withLock({ $0 }), ContinuousClock.now - started < .seconds(2) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(stuck.withLock { $0 }, "the lookup never reached the thread")
        // The thread is stuck in that lookup; a queued lookup still gets its deadline.
        let queued = try await withDeadline(.now + .milliseconds(300)) { try await resolver.resolve("fast.example") }
        #expect(queued == nil)
        // The lookup takes 10 s; the answer comes at the 2 s deadline (a loaded machine's
        // scheduling may add a second or two, never the 10 s).
        #expect(try await hung == nil)
        #expect(ContinuousClock.now - started < .seconds(6), "answered at the deadline, not when the lookup ends")
    }

    @Test func lookupsWaitingAreBounded() async throws {
        let resolver = Self.hanging(threads: 1, maxPending: 1)
        async let first = withDeadline(.now + .seconds(2)) { try await resolver.resolve("hang.example") }
        let admitted = ContinuousClock.now + .seconds(5)
        while resolver.pendingCount < 1, ContinuousClock.now < admitted { try await Task.sleep(for: .milliseconds(10)) }
        await #expect(throws: HostResolver.Overloaded.self) { try await resolver.resolve("fast.example") }
        _ = try await first
    }

    @Test func aFreeResolverAnswers() async throws {
        let resolver = Self.hanging(threads: 2, maxPending: 4)
        #expect(try await resolver.resolve("fast.example") == [[127, 0, 0, 1]])
        // Literals are answered without a lookup, even while every thread hangs.
        let stuck = Self.hanging(threads: 1, maxPending: 1)
        async let hung = withDeadline(.now + .milliseconds(300)) { try await stuck.resolve("hang.example") }
        #expect(try await stuck.resolve("127.0.0.1") == [[127, 0, 0, 1]])
        #expect(try await stuck.resolve("::1") == [[UInt8](repeating: 0, count: 15) + [1]])
        _ = try await hung
    }
}
