// Package oauth2 is an OAuth 2.0 client (RFC 6749): one [Client] holds the
// client's registration at one authorization server and, once a token has
// been obtained, the token itself, renewed before it expires.
//
// The client builds authorization URLs with state and PKCE (RFC 7636, S256
// unless told otherwise), checks the authorization response (state, and iss
// per RFC 9207), and calls the token endpoint for the authorization code,
// client credentials, password and refresh token grants or any extension
// grant. It authenticates with client_secret_basic (credentials
// form-urlencoded before base64, RFC 6749 §2.3.1), client_secret_post,
// none, client_secret_jwt or private_key_jwt (RFC 7523 assertions), or a
// method of the caller's, registered by name.
//
// Token responses are parsed strictly (RFC 6749 §5.1) and error responses
// become an [*Error] with the code, description, URI and HTTP status of RFC
// 6749 §5.2. The device flow (RFC 8628) is [Client.DeviceAuthorization]
// then [Client.PollDeviceToken], which honours the interval and slow_down
// and ends in [ErrDeviceDenied] or [ErrDeviceExpired] when it fails.
// Protected requests carry the token in the Authorization
// header, the form body or the URI query (RFC 6750 §2), and only to the
// scheme, host and port they were sent to: [Client.Do] does not follow a
// redirect elsewhere, and [Client.Transport] follows it without the token.
// Nor do the token endpoint's credentials follow a redirect to another
// origin, and an error from sending a request does not show the token.
//
// A renewal of the token is not cancelled with the context of the call
// that started it, so that a refresh token the server has just rotated is
// not lost; see [DefaultRenewalTimeout]. [Client.Revoke] and
// [Client.Introspect] call RFC 7009 and RFC 7662 endpoints; an
// introspection answer is a [grantry.TokenInfo]. [Hooks] adapt requests
// and responses for providers that do not follow the RFCs.
//
// With Config.DPoPKey the client binds its tokens to a key of its own
// (DPoP, RFC 9449): every token request carries a proof signed with it,
// and a token of type DPoP goes to resources as "Authorization: DPoP"
// with a fresh proof per request. Server nonces are kept per origin, and
// a request refused with use_dpop_nonce (400 at the token endpoint, 401 at
// a resource) is sent once more with the nonce given.
//
// Everything that may block takes a context.Context first; the HTTP client
// is a field of [Config]. [XToken], [FromXToken], [XTokenSource] and
// [FromXTokenSource] connect the client to golang.org/x/oauth2.
package oauth2
