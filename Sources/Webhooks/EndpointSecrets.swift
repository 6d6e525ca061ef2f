public import CryptoSupport

/// Webhook signing secrets as stored: sealed with `MARKETPLACE_SECRET_KEY`, bound to their
/// endpoint. Both columns (`secret`, `previous_secret`) use the same context, so a rotation
/// can move the current value into `previous_secret` without decrypting it.
public enum EndpointSecrets {
    static func context(_ endpointId: String) -> String { "webhook_endpoints.secret:\(endpointId)" }

    public static func seal(_ secret: String, endpointId: String, keyring: SecretKeyring) -> String {
        keyring.seal(secret, context: context(endpointId))
    }

    /// The secret. A value without the sealed prefix is a clear-text secret written before
    /// secrets were encrypted: it is used as it is (start-up, or `rotate-secrets`, seals
    /// every such value, so this only bridges the moments in between).
    public static func open(_ stored: String, endpointId: String, keyring: SecretKeyring) throws(SecretKeyring.OpenError)
        -> String
    {
        guard SecretKeyring.isSealed(stored) else { return stored }
        return try keyring.openString(stored, context: context(endpointId))
    }
}
