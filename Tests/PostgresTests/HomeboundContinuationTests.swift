import Dispatch
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import Postgres

/// Where a waiting task goes on: on the event loop it waited on, whoever resumes it.
@Suite("Postgres homebound continuation")
struct HomeboundContinuationTests {
    @Test("a continuation taken on an event loop resumes its task through that loop: not while the loop is busy")
    func resumesThroughItsLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let taken = Locked<HomeboundContinuation<Int, Never>?>(nil)
        let finished = Locked(false)
        let waiter = Task {
            let value = await withCheckedContinuation { continuation in
                loop.execute { taken.set(HomeboundContinuation(continuation)) }
            }
            finished.set(true)
            return value
        }
        while taken.value == nil { try await Task.sleep(for: .milliseconds(1)) }
        let continuation = try #require(taken.value)

        // The loop is held while the continuation is resumed from this (non-loop) thread.
        let release = DispatchSemaphore(value: 0)
        loop.execute { release.wait() }
        continuation.resume(returning: 7)
        try await Task.sleep(for: .milliseconds(100))
        let wentOnEarly = finished.value
        #expect(!wentOnEarly, "the task went on before its loop was free")

        release.signal()
        #expect(await waiter.value == 7)
        try await group.shutdownGracefully()
    }

    @Test("a continuation taken off the event loops resumes at once")
    func offTheLoopsResumesDirectly() async {
        let value = await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
            let homebound = HomeboundContinuation(continuation)
            Thread { homebound.resume(returning: 3) }.start()
        }
        #expect(value == 3)
    }
}

private final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value { mutex.withLock { $0 } }
    func set(_ value: Value) { mutex.withLock { $0 = value } }
}
