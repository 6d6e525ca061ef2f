import CommerceCore
import CustomerServiceCore
import Postgres
import VendorRouting

extension Caller {
    /// The channel a new return or case belongs to: a channel key's own; for an operator or a
    /// vendor the one they name (which must exist), else `inherited()` (the order's, say).
    /// A named channel that does not exist is a field error on `channel`, returned rather than
    /// thrown so the caller reports it with its other errors.
    func channel(
        named: String?, in tx: any Queryable, inherited: () -> String?
    ) async throws -> (channel: String?, error: FieldError?) {
        if role == .channel { return (channel, nil) }
        guard let named else { return (inherited(), nil) }
        if try await CatalogStore.channelExists(tx, code: named) { return (named, nil) }
        return (nil, FieldError("channel", "no channel '\(named)'"))
    }
}
