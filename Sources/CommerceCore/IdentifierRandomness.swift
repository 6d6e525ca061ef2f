import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// 128-bit random values for identifiers, drawn from the system's CSPRNG (`arc4random_buf`: getrandom
/// on glibc) 4 KiB at a time. `UUID()` opened, read and closed /dev/urandom for every identifier: with a dozen
/// identifiers per order that was 5 % of the server's CPU in bench/run's profile. The bytes
/// are the kernel's own, each handed out once; only the system call is shared.
final class IdentifierRandomness: Sendable {
    static let shared = IdentifierRandomness()

    private struct Buffer {
        var words: [(UInt64, UInt64)] = Array(repeating: (0, 0), count: 256)
        var used = 256
    }

    private let buffer = Mutex(Buffer())

    func next() -> (UInt64, UInt64) {
        buffer.withLock { state in
            if state.used == state.words.count {
                state.words.withUnsafeMutableBytes { Self.fill($0) }
                state.used = 0
            }
            defer { state.used += 1 }
            return state.words[state.used]
        }
    }

    private static func fill(_ bytes: UnsafeMutableRawBufferPointer) {
        // glibc 2.36 and Darwin: the kernel's getrandom (or the system's CSPRNG) in one call.
        arc4random_buf(bytes.baseAddress!, bytes.count)
    }
}
