import Testing

@testable import MarketplaceAPI

/// The Authorization header's token, read byte-wise (issue 9): the scheme in any case, HTTP's
/// optional white space around the token dropped, anything else refused.
@Suite struct BearerTokenTests {
    @Test(arguments: [
        ("Bearer abc", "abc"), ("bearer abc", "abc"), ("BEARER abc", "abc"), ("bEaReR abc", "abc"),
        ("Bearer  \t abc \t ", "abc"), ("Bearer a b", "a b"), ("Bearer    ", ""), ("Bearer é", "é"),
    ])
    func reads(_ header: String, _ token: String) {
        #expect(AuthMiddleware.bearerToken(header) == token)
    }

    @Test(arguments: ["Bearer", "Bearer\tabc", "Basic YWRtaW4=", "Bearerabc", "Token abc", "", "Béarer abc", "bearer_abc"])
    func refuses(_ header: String) {
        #expect(AuthMiddleware.bearerToken(header) == nil)
    }
}
