import Synchronization

/// Which API key a token hash belongs to, remembered by this process so that a request need not
/// look its key up in a round trip of its own. Only what never changes for a key is kept (id,
/// role, vendor, channel): whether it still holds is checked on every request, in the same flush
/// as the request's first statement (`api_key_in_force`, see `AuthMiddleware`). So a key revoked
/// through any server process stops working on the next request here too. Unknown tokens are
/// not remembered: a key created elsewhere works at once.
final class APIKeyCache: Sendable {
    struct Entry: Sendable {
        let id: String
        let role: Role
        let vendorId: String?
        let channel: String?
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// A bound on memory; keys are few in practice, so dropping all past it is good enough.
    private let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func entry(forHash hash: String) -> Entry? { entries.withLock { $0[hash] } }

    func remember(_ entry: Entry, forHash hash: String) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[hash] = entry
        }
    }

    func forget(hash: String) { _ = entries.withLock { $0.removeValue(forKey: hash) } }
}
