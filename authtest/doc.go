// Package authtest is an in-process OAuth 2.0 authorization server for tests:
// the test doubles of Grantry, for the tests of applications that use
// golang.org/x/oauth2, Grantry's client packages or package bearer, and for
// Grantry's own.
//
// [NewServer] starts an httptest.Server running a full authserver.Server over
// a memstore.Store, closed when the test ends:
//
//   - the authorization endpoint (/authorize), which signs in a user and
//     answers every request with a [Decision]: [Approve] by default, [Deny],
//     [ApproveScope] or one of the test's own. The user is the request's
//     login_hint, or Config.Subject;
//   - the token endpoint (/token) with the authorization code grant and PKCE
//     (S256, required of public clients), refresh tokens with rotation,
//     client credentials and, when Config.Users is set, the password grant;
//   - revocation (/revoke, RFC 7009) and introspection (/introspect,
//     RFC 7662);
//   - server metadata (RFC 8414) at /.well-known/oauth-authorization-server.
//
// The issuer is the test server's URL. Time is a [Clock] that moves only
// when the test says so, starting at [DefaultTime]: advance it to expire a
// code or a token without sleeping, and give its Now to the components under
// test (bearer.Config.Now, the client's Now) so that they agree with the
// server. Clients are registered with [Server.AddClient] and
// [Server.AddPublicClient]; a golang.org/x/oauth2 or client/oauth2
// configuration is made of the [Client] and [Server.Endpoints], and
// [Server.Authorize] plays the browser between the authorization URL and the
// redirect to the client.
// [Server.IssueToken] obtains a token through the server's own endpoints,
// and [Server.Validator] validates it as a resource server sharing the
// store would.
//
// Access tokens are opaque; nothing is signed. OpenID Connect (ID tokens,
// discovery, JWKS, UserInfo) is not served: Grantry's provider, package
// openid, does not exist yet, and with it will come fixed signing keys. For
// a test without a *testing.T, such as TestMain or an example, [Start]
// returns a server to Close.
package authtest
