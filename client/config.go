package client

import (
	"context"
	"crypto"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client/oauth1"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/keyset"
)

// Config is the registration of a remote app: the client's credentials at
// the provider, its endpoints and how to talk to it. RequestTokenURL makes
// the app an OAuth 1.0 app (RFC 5849); otherwise it is an OAuth 2.0 app,
// and an OpenID Connect one when Scopes holds "openid".
type Config struct {
	ClientID     string
	ClientSecret string

	// RequestTokenURL is the OAuth 1.0 temporary credentials endpoint
	// (RFC 5849 §2.1); RequestTokenParams are added to its query, and
	// signed with it.
	RequestTokenURL    string
	RequestTokenParams url.Values

	// AccessTokenURL is the OAuth 2.0 token endpoint or the OAuth 1.0
	// token credentials endpoint. AccessTokenParams are sent with the
	// code exchange (OAuth 2.0) or added to the endpoint's query (OAuth
	// 1.0).
	AccessTokenURL    string
	AccessTokenParams url.Values

	// AuthorizeURL is where the user is sent to approve; AuthorizeParams
	// are added to that request, such as prompt, max_age or access_type.
	//
	// OAuth 2.0 sends the first value of each extra parameter. None of
	// them may replace a parameter of the protocol: the request's own
	// (state, redirect_uri, PKCE, nonce, scope: use Scopes) or, for OAuth
	// 1.0, any oauth_ parameter.
	AuthorizeURL    string
	AuthorizeParams url.Values

	// APIBaseURL is the base of the relative paths given to Get, Post,
	// Put and Delete.
	APIBaseURL string

	// Scopes are the OAuth 2.0 scopes requested. "openid" makes the app an
	// OpenID Connect relying party: logins then end with a validated ID
	// token.
	Scopes []string
	// TokenEndpointAuthMethod is how an OAuth 2.0 client authenticates at
	// the token endpoint: grantry.AuthClientSecretBasic (the default with
	// a secret), grantry.AuthClientSecretPost, grantry.AuthClientSecretJWT,
	// grantry.AuthPrivateKeyJWT (with SigningKey) or grantry.AuthNone.
	TokenEndpointAuthMethod grantry.AuthMethod
	// SigningKey signs private_key_jwt client assertions (RFC 7523).
	SigningKey *keyset.Key
	// TokenPlacement is where API requests carry an OAuth 2.0 token:
	// the Authorization header by default (RFC 6750 §2).
	TokenPlacement oauth2.Placement
	// CodeChallengeMethod is the PKCE method (RFC 7636): S256 by default,
	// or plain. PKCE is always used unless InsecureDisablePKCE is set.
	CodeChallengeMethod string
	InsecureDisablePKCE bool

	// SignatureMethod and SignatureType are how OAuth 1.0 requests are
	// signed: HMAC-SHA1 in the Authorization header by default. RSAKey
	// is the client's private key for RSA-SHA1.
	SignatureMethod oauth1.SignatureMethod
	SignatureType   oauth1.Placement
	RSAKey          crypto.Signer

	// ServerMetadataURL is where the provider publishes its metadata:
	// OpenID Connect discovery (…/.well-known/openid-configuration) or
	// RFC 8414. It is read when the app is first used, and fills in the
	// endpoints left empty here. Issuer, when set, must be the issuer the document
	// names; for an OpenID Connect app without metadata it is the ID
	// tokens' issuer.
	ServerMetadataURL string
	Issuer            string

	// UserInfoEndpoint is where App.UserInfo asks who the user is: the
	// OpenID Connect UserInfo endpoint (from the metadata by default) or a
	// provider's "current user" API. UserInfoFix rewrites its claims, for
	// a response that is not a standard UserInfo document (one without
	// sub, say).
	UserInfoEndpoint string
	UserInfoFix      func(claims map[string]any) (map[string]any, error)

	// JWKS are the provider's ID token signing keys, used instead of its
	// jwks_uri.
	JWKS keyset.KeySource
	// TrustedAudiences are the audiences besides ClientID that an ID
	// token may name in aud, such as an API of the same party. A token
	// naming any other is refused (OpenID Connect Core 1.0 §3.1.3.7).
	TrustedAudiences []string

	// ComplianceFix adapts the OAuth 2.0 client to a provider that departs
	// from the RFCs, typically by setting hooks (oauth2.Hooks).
	// OAuth1ComplianceFix does the same for OAuth 1.0.
	ComplianceFix       func(*oauth2.Config)
	OAuth1ComplianceFix func(*oauth1.Config)

	// FetchToken and UpdateToken override the registry's functions for
	// this app.
	FetchToken  func(ctx context.Context, r *http.Request) (*Token, error)
	UpdateToken func(ctx context.Context, tok *Token, oldRefreshToken string) error

	// RefreshLeeway is how long before its expiry an OAuth 2.0 token is
	// renewed: oauth2.DefaultRefreshLeeway when zero, only once expired
	// when negative.
	RefreshLeeway time.Duration

	// HTTPClient sends this app's requests; the registry's by default.
	HTTPClient *http.Client

	// InsecureAllowHTTP allows plain http endpoints and redirect URIs on
	// hosts other than loopback. The default CookieStore still marks its
	// cookie Secure, which a user agent does not send back over plain
	// http: such a redirect URI needs a StateStore of its own.
	InsecureAllowHTTP bool
}

// oauth1App reports whether the configuration is an OAuth 1.0 app.
func (c *Config) oauth1App() bool { return c.RequestTokenURL != "" }

// openID reports whether the configuration is an OpenID Connect app.
func (c *Config) openID() bool { return slices.Contains(c.Scopes, "openid") }
