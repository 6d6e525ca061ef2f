import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Name resolution for webhook targets on threads of its own. `getaddrinfo` blocks, for as
/// long as the system resolver likes, and cannot be interrupted: it runs here so that it never
/// occupies NIO's shared blocking pool (which the database and file I/O need) or an event
/// loop. A caller that is cancelled (its attempt's deadline passed) is answered at once; the
/// lookup finishes on its thread and is thrown away. Lookups still running or waiting are
/// bounded: past `maxPending`, a new one fails straight away instead of queueing.
public final class HostResolver: Sendable {
    /// Threads sleep while they wait on DNS, so there are enough that a few hostile names
    /// (a vendor's own slow DNS server) do not queue everyone else's lookups.
    public static let shared = HostResolver(threads: 16, maxPending: 256)

    public struct Overloaded: Error {}

    private let pool: NIOThreadPool
    private let pending = Mutex(0)
    private let maxPending: Int
    private let lookup: @Sendable (String) -> [[UInt8]]

    /// Lookups admitted and not yet finished.
    var pendingCount: Int { pending.withLock { $0 } }

    /// `lookup` is `getaddrinfo` but for tests, which stand in a resolver that hangs.
    public init(threads: Int, maxPending: Int, lookup: @escaping @Sendable (String) -> [[UInt8]] = HostResolver.getaddrinfo) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        self.maxPending = maxPending
        self.lookup = lookup
    }

    /// Raw addresses (4 bytes IPv4, 16 bytes IPv6) in the order the system resolver gives them;
    /// empty when the name does not resolve.
    public func resolve(_ host: String) async throws -> [[UInt8]] {
        // An address literal needs no lookup, nor a thread.
        if let literal = Self.literal(host) { return [literal] }
        let admitted = pending.withLock { count in
            guard count < maxPending else { return false }
            count += 1
            return true
        }
        guard admitted else { throw Overloaded() }
        let once = ResumeOnce<[[UInt8]]>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                once.install(continuation)
                pool.submit { _ in
                    // Whoever asked may have given up while this waited for a thread.
                    let addresses = once.isDone ? [] : self.lookup(host)
                    self.pending.withLock { $0 -= 1 }
                    once.resume(.success(addresses))
                }
            }
        } onCancel: {
            once.resume(.failure(CancellationError()))
        }
    }

    static func literal(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    public static func getaddrinfo(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard Glibc.getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var out: [[UInt8]] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let sockaddr = info.pointee.ai_addr {
                if info.pointee.ai_family == AF_INET {
                    sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                        var addr = sin.pointee.sin_addr
                        out.append(withUnsafeBytes(of: &addr) { Array($0) })
                    }
                } else if info.pointee.ai_family == AF_INET6 {
                    sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                        var addr = sin6.pointee.sin6_addr
                        out.append(withUnsafeBytes(of: &addr) { Array($0) })
                    }
                }
            }
            cursor = info.pointee.ai_next
        }
        var unique: [[UInt8]] = []
        for address in out where !unique.contains(address) { unique.append(address) }
        return unique
    }

    /// The text form of a raw address, as a URL host or `dnsOverride` target takes it.
    public static func text(_ address: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = address.count == 4 ? AF_INET : AF_INET6
        let ok = address.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A continuation resumed by whichever comes first: the lookup's answer or cancellation.
/// The mutex serialises install and resume, so it is resumed exactly once.
final class ResumeOnce<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var early: Result<Value, any Error>?
        var done = false
    }

    private let state = Mutex(State())

    var isDone: Bool { state.withLock { $0.done || $0.early != nil } }

    func install(_ continuation: CheckedContinuation<Value, any Error>) {
        let early: Result<Value, any Error>? = state.withLock { state in
            if let early = state.early {
                state.done = true
                return early
            }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func resume(_ result: Result<Value, any Error>) {
        let continuation: CheckedContinuation<Value, any Error>? = state.withLock { state in
            guard !state.done else { return nil }
            guard let continuation = state.continuation else {
                if state.early == nil { state.early = result }
                return nil
            }
            state.done = true
            state.continuation = nil
            return continuation
        }
        continuation?.resume(with: result)
    }
}
