package oauth2

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/keyset"
)

// DefaultRefreshLeeway is how long before its expiry a token is renewed
// when Config.RefreshLeeway is zero.
const DefaultRefreshLeeway = 60 * time.Second

// DefaultRenewalTimeout bounds each step of a renewal of the token, the
// token request and then UpdateToken, when Config.HTTPClient has no
// Timeout. A renewal does not end with the context of the call that
// started it, so that a renewed token is not lost once the server has
// issued it.
const DefaultRenewalTimeout = 30 * time.Second

// DefaultAssertionLifetime is the lifetime of a client assertion when
// Config.AssertionLifetime is zero.
const DefaultAssertionLifetime = 60 * time.Second

// Config is the registration of a client at one authorization server.
type Config struct {
	ClientID     string
	ClientSecret string

	// The endpoints are absolute https URLs without user information or
	// fragment; http is allowed on a loopback host or with
	// InsecureAllowHTTP.
	AuthorizationEndpoint string
	TokenEndpoint         string
	RevocationEndpoint    string // RFC 7009
	IntrospectionEndpoint string // RFC 7662
	// PushedAuthorizationRequestEndpoint is where
	// PushAuthorizationRequest posts (RFC 9126).
	PushedAuthorizationRequestEndpoint string
	// DeviceAuthorizationEndpoint is where DeviceAuthorization posts
	// (RFC 8628 §3.1).
	DeviceAuthorizationEndpoint string

	// Issuer is the authorization server's issuer identifier. When set, an
	// iss parameter in an authorization response must equal it, and
	// RequireIssuer makes the parameter mandatory (RFC 9207).
	Issuer        string
	RequireIssuer bool

	RedirectURL string
	Scopes      []string // requested in authorization URLs, device authorizations and the client credentials and password grants

	// AuthMethod is how the client authenticates at the token, revocation
	// and introspection endpoints: one of the grantry.Auth... constants or
	// a name in AuthMethods. Default grantry.AuthClientSecretBasic when
	// there is a ClientSecret, grantry.AuthNone otherwise.
	AuthMethod grantry.AuthMethod
	// AuthMethods holds the caller's own authentication methods by name.
	AuthMethods map[grantry.AuthMethod]AuthFunc
	// SigningKey signs private_key_jwt assertions.
	SigningKey *keyset.Key
	// DPoPKey, when set, binds the client's tokens to this key (RFC 9449):
	// every token request carries a DPoP proof of it, and a token of type
	// DPoP goes to resources in "Authorization: DPoP" with a proof for
	// each request. A public client should use one key for the life of
	// its refresh token, which the server binds to the key.
	DPoPKey *keyset.Key
	// AssertionAlgorithm is the HMAC algorithm of client_secret_jwt
	// assertions. Default HS256. The client secret must be at least as
	// long as its hash output (RFC 7518 §3.2): 32 bytes for HS256, 48 for
	// HS384, 64 for HS512; New refuses a shorter one.
	AssertionAlgorithm keyset.Algorithm
	// AssertionAudience is the aud of client assertions. Default the
	// Issuer, and the token endpoint only when Issuer is empty (RFC 7523
	// §3). An assertion whose aud is the issuer identifier serves that
	// server alone: one made for the endpoint URL a server's metadata
	// names can be replayed elsewhere when a dishonest server names
	// another server's endpoint as its own (the 2025 audience injection
	// finding on private_key_jwt; draft-ietf-oauth-rfc7523bis).
	AssertionAudience string
	// AssertionLifetime bounds exp of client assertions. Default
	// DefaultAssertionLifetime.
	AssertionLifetime time.Duration

	// PKCEMethod is the code_challenge_method: PKCES256 (the default) or
	// PKCEPlain (RFC 7636 §4.2).
	PKCEMethod string
	// InsecureDisablePKCE sends authorization requests without PKCE.
	InsecureDisablePKCE bool

	// TokenPlacement is where protected requests carry the token.
	// Default TokenInHeader.
	TokenPlacement Placement
	// RefreshLeeway is how long before expiry the token is renewed. Zero
	// means DefaultRefreshLeeway; a negative value renews only once
	// expired.
	RefreshLeeway time.Duration
	// UpdateToken, when set, is called after the token was renewed
	// automatically or by Refresh, with the new token and the refresh token
	// used, so the caller can store it. Its error is returned by the call
	// that caused the renewal; the client keeps the new token regardless.
	// It is called even when that call has stopped waiting, with a context
	// that keeps the call's values but not its cancellation, bounded by the
	// HTTPClient's Timeout or DefaultRenewalTimeout. No other renewal starts
	// until it returns.
	UpdateToken func(ctx context.Context, tok *Token, oldRefreshToken string) error

	Hooks Hooks

	// HTTPClient sends every request. Default http.DefaultClient. A
	// request that carries the token or the client's credentials does not
	// follow a redirect to another scheme, host or port, whatever its
	// CheckRedirect says.
	HTTPClient *http.Client
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// InsecureAllowHTTP allows http endpoints on non-loopback hosts.
	InsecureAllowHTTP bool
}

// validate checks the configuration and returns its authentication method.
func (c *Config) validate() (AuthFunc, error) {
	endpoints := []string{c.AuthorizationEndpoint, c.TokenEndpoint, c.RevocationEndpoint, c.IntrospectionEndpoint,
		c.PushedAuthorizationRequestEndpoint, c.DeviceAuthorizationEndpoint}
	for _, e := range endpoints {
		if e == "" {
			continue
		}
		if _, err := origin.ParseSecure(e, c.InsecureAllowHTTP); err != nil {
			return nil, fmt.Errorf("oauth2: invalid endpoint URL %q: %w", e, err)
		}
	}
	switch c.PKCEMethod {
	case "", PKCES256, PKCEPlain:
	default:
		return nil, fmt.Errorf("oauth2: unknown PKCE method %q", c.PKCEMethod)
	}
	if c.TokenPlacement < TokenInHeader || c.TokenPlacement > TokenInURI {
		return nil, fmt.Errorf("oauth2: unknown token placement %d", c.TokenPlacement)
	}
	return c.authFunc()
}
