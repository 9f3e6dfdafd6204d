// Package client logs users in with other providers: a [Registry] of
// remote apps, each registered by name with its client credentials and
// endpoints, OAuth 1.0 (RFC 5849), OAuth 2.0 (RFC 6749) and OpenID Connect
// alike.
//
//	reg := client.NewRegistry(client.RegistryConfig{StateStore: store, FetchToken: load, UpdateToken: save})
//	github, err := reg.Register("github", client.OAuth2{
//		Config: oauth2.Config{
//			ClientID: id, ClientSecret: secret,
//			AuthorizationEndpoint: "https://github.com/login/oauth/authorize",
//			TokenEndpoint:         "https://github.com/login/oauth/access_token",
//			Scopes:                []string{"read:user"},
//		},
//		APIBaseURL: "https://api.github.com/",
//	})
//
// The registration says the protocol: an [OAuth2] holds an [oauth2.Config],
// and makes an OpenID Connect relying party when its scopes hold "openid";
// an [OAuth1] holds an [oauth1.Config]. Each adds what the registry needs
// around the protocol package's configuration: extra request parameters,
// the API base URL, the UserInfo endpoint. An OAuth 2.0 app's endpoints
// may come from the provider's metadata (ServerMetadataURL, read when the
// app is first used).
//
// Two handlers make the login. The first calls [App.AuthorizeRedirect],
// which sends the user agent to the provider; the second, at the redirect
// URI, calls [App.AuthorizeAccessToken], which checks the provider's
// answer, obtains the token and, for OpenID Connect, validates the ID
// token. What the second must check — the OAuth 2.0 state, the PKCE code
// verifier, the OpenID Connect nonce, the OAuth 1.0 temporary credentials
// — is kept between the two by a [StateStore]: by default a cookie per
// login, sealed with AES-256-GCM, expiring, good for one callback, named
// with the prefix "__Host-" over https, and bound to the user agent that
// started the login, so that a login cookie planted in another browser
// does not log its user in (login CSRF).
// A user may have several logins of one app pending, in two tabs or after
// a double click, and complete each: the callback's state (or, for OAuth
// 1.0, its oauth_token) says which it answers. A callback that answers
// none is an error wrapping ErrStateMismatch (or ErrStateMissing when
// none is pending, ErrStateInvalid, ErrStateExpired); a refusal by the
// provider is a [*ProviderError].
//
// The caller keeps each user's [Token]. [App.Get], [App.Post], [App.Put]
// and [App.Delete] call the provider's API, relative to its base URL, with
// the token that the fetch-token function returns for the incoming
// request; an OAuth 2.0 token about to expire is renewed first and the
// new one handed to the update-token function, once even when several
// requests find it expired together. [App.UserInfo] says who the user
// is, through the UserInfo endpoint or a provider's own API with a fix-up
// of its claims.
//
// The protocols themselves are in packages client/oauth1, client/oauth2
// and client/oidc.
package client
