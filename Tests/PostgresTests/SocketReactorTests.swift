import Foundation
import Testing

@testable import Postgres

#if canImport(Glibc)
    import Glibc

    /// The reactor without a database: a socket pair stands in for libpq's socket.
    @Suite("Postgres socket reactor")
    struct SocketReactorTests {
        private func socketPair() throws -> (Int32, Int32) {
            var fds: [Int32] = [0, 0]
            #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
            return (fds[0], fds[1])
        }

        @Test("a quiet socket waits until its deadline and no longer; data wakes the waiter at once")
        func deadlineAndReadiness() async throws {
            let reactor = try #require(SocketReactor.shared)
            let (a, b) = try socketPair()
            defer {
                close(a)
                close(b)
            }
            let start = ContinuousClock.now
            let none = try await reactor.wait(a, read: true, write: false, until: start + .milliseconds(120))
            let waited = ContinuousClock.now - start
            #expect(none == nil)
            // The upper bound allows for a loaded machine: in the full suite the resumed task can
            // wait for a cooperative thread behind CPU-bound tests (1.1 s once, on 2026-12-06);
            // a reactor that missed the deadline would hold the waiter until the socket closed.
            #expect(waited >= .milliseconds(120) && waited < .milliseconds(120) + .seconds(3))

            let writer = Task {
                try await Task.sleep(for: .milliseconds(30))
                var byte: UInt8 = 1
                _ = write(b, &byte, 1)
            }
            let ready = try await reactor.wait(a, read: true, write: false, until: .now + .seconds(10))
            #expect(ready?.readable == true)
            try await writer.value
            // The same socket can be waited on again (re-armed), and is writable at once.
            let writable = try await reactor.wait(a, read: false, write: true, until: .now + .seconds(10))
            #expect(writable?.writable == true)
        }

        @Test("200 sockets waited on at once each wake their own waiter")
        func manyWaiters() async throws {
            let reactor = try #require(SocketReactor.shared)
            let pairs = try (0..<200).map { _ in try socketPair() }
            defer {
                for (a, b) in pairs {
                    close(a)
                    close(b)
                }
            }
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for (a, _) in pairs {
                    group.addTask { try await reactor.wait(a, read: true, write: false, until: .now + .seconds(20))?.readable == true }
                }
                try await Task.sleep(for: .milliseconds(50))
                for (_, b) in pairs.reversed() {
                    var byte: UInt8 = 7
                    _ = write(b, &byte, 1)
                }
                var woken = 0
                for try await readable in group where readable { woken += 1 }
                #expect(woken == 200)
            }
        }
    }
#endif
