import COpenSSL

/// AES-256-GCM through OpenSSL's EVP interface: authenticated encryption with associated
/// data. The caller supplies a fresh random 12-byte nonce per message; reusing one under the
/// same key would void GCM's guarantees, which is why `SecretKeyring` is the only caller.
public enum AESGCM {
    public static let keyLength = 32
    public static let nonceLength = 12
    public static let tagLength = 16

    /// `ciphertext ‖ tag`.
    public static func seal(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], aad: [UInt8]) -> [UInt8] {
        precondition(key.count == keyLength && nonce.count == nonceLength, "AES-256-GCM needs a 32-byte key and 12-byte nonce")
        guard let ctx = EVP_CIPHER_CTX_new() else { fatalError("EVP_CIPHER_CTX_new failed: out of memory") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1
        ok = ok && EVP_CIPHER_CTX_ctrl(ctx, copenssl_ctrl_gcm_set_ivlen(), Int32(nonceLength), nil) == 1
        ok = ok && EVP_EncryptInit_ex(ctx, nil, nil, key, nonce) == 1
        var length: Int32 = 0
        if !aad.isEmpty {
            ok = ok && EVP_EncryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1
        }
        var written = 0
        out.withUnsafeMutableBufferPointer { buffer in
            if !plaintext.isEmpty {
                ok = ok && EVP_EncryptUpdate(ctx, buffer.baseAddress, &length, plaintext, Int32(plaintext.count)) == 1
                written = Int(length)
            }
            ok = ok && EVP_EncryptFinal_ex(ctx, buffer.baseAddress! + written, &length) == 1
            written += Int(length)
            ok = ok && EVP_CIPHER_CTX_ctrl(ctx, copenssl_ctrl_gcm_get_tag(), Int32(tagLength), buffer.baseAddress! + written) == 1
        }
        // Encryption with a valid key and nonce cannot fail short of memory corruption: a
        // silent failure here would store garbage in place of a secret.
        precondition(ok && written == plaintext.count, "AES-256-GCM encryption failed")
        return out
    }

    /// The plaintext, or nil when the key, nonce or associated data is wrong or the data was altered.
    public static func open(key: [UInt8], nonce: [UInt8], sealed: [UInt8], aad: [UInt8]) -> [UInt8]? {
        guard key.count == keyLength, nonce.count == nonceLength, sealed.count >= tagLength else { return nil }
        guard let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let ciphertext = Array(sealed[..<(sealed.count - tagLength)])
        var tag = Array(sealed[(sealed.count - tagLength)...])
        var out = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1
        ok = ok && EVP_CIPHER_CTX_ctrl(ctx, copenssl_ctrl_gcm_set_ivlen(), Int32(nonceLength), nil) == 1
        ok = ok && EVP_DecryptInit_ex(ctx, nil, nil, key, nonce) == 1
        var length: Int32 = 0
        if !aad.isEmpty {
            ok = ok && EVP_DecryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1
        }
        var written = 0
        out.withUnsafeMutableBufferPointer { buffer in
            if !ciphertext.isEmpty {
                ok = ok && EVP_DecryptUpdate(ctx, buffer.baseAddress, &length, ciphertext, Int32(ciphertext.count)) == 1
                written = Int(length)
            }
            ok = ok && EVP_CIPHER_CTX_ctrl(ctx, copenssl_ctrl_gcm_set_tag(), Int32(tagLength), &tag) == 1
            // Final checks the tag: 1 only when everything authenticated.
            ok = ok && EVP_DecryptFinal_ex(ctx, buffer.baseAddress! + written, &length) == 1
            written += Int(length)
        }
        guard ok else {
            ERR_clear_error()
            return nil
        }
        return Array(out.prefix(written))
    }
}
