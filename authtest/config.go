package authtest

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/pkce"
)

// Defaults of Config and Client.
const (
	// DefaultSubject is the user signed in at the authorization endpoint
	// when Config.Subject is empty and a request has no login_hint.
	DefaultSubject = "alice"
	// DefaultRedirectURI is the redirect URI of a client registered without
	// one. Its host is a loopback IP literal, so a callback served on any
	// port matches it (RFC 8252 §7.3), such as an httptest.Server's
	// URL + "/callback".
	DefaultRedirectURI = "http://127.0.0.1/callback"
)

// DefaultScopes are the scopes a server knows when Config.Scopes is nil.
var DefaultScopes = grantry.Scope{"openid", "profile", "email", "read", "write"}

// Config configures a test server. The zero value serves the code (with
// PKCE), refresh and client credentials grants over http on loopback, with
// a clock at DefaultTime and a user who approves every request.
type Config struct {
	// Clock is the server's time; nil starts a new clock at DefaultTime.
	// Share it with the code under test.
	Clock *Clock
	// Subject is the user signed in at the authorization endpoint when a
	// request carries no login_hint; empty means DefaultSubject.
	Subject string
	// Decision answers authorization requests; nil is Approve. It can be
	// changed later with Server.SetDecision.
	Decision Decision
	// Scopes are the scopes the server knows, and those a client may be
	// granted unless its registration says otherwise; nil means
	// DefaultScopes.
	Scopes grantry.Scope
	// Users, when set, enables the password grant (RFC 6749 §4.3): the
	// passwords by user name. The user name is the subject.
	Users map[string]string
	// PKCE configures PKCE. The zero value requires S256 of public
	// clients; Required extends that to every client.
	PKCE pkce.Config
	// ExpiresIn is the lifetime of every access token; zero keeps
	// authserver's defaults (864000 s for the code, password and client
	// credentials grants).
	ExpiresIn time.Duration
	// RefreshLifetime is the refresh token lifetime; zero means
	// authserver.DefaultRefreshLifetime.
	RefreshLifetime time.Duration
	// CodeLifetime is the authorization code lifetime; zero means
	// authcode.DefaultLifetime.
	CodeLifetime time.Duration
	// TLS serves https with httptest's certificate, which only
	// Server.HTTPClient trusts: golang.org/x/oauth2 must be given it in the
	// context (oauth2.HTTPClient).
	TLS bool
	// Events are passed to the authorization server.
	Events authserver.Events
	// Logger receives the causes of internal errors; nil means the test's
	// log (NewServer) or slog.Default() (Start).
	Logger *slog.Logger
	// Claims are the OpenID Connect claims of the users, by subject
	// (OpenID Connect Core 1.0 §5.1), released by UserInfo and in ID
	// tokens by scope. A subject without claims has none.
	Claims map[string]map[string]any
	// Setup, when set, is called once the built-in grants, extensions and
	// endpoints are registered and routed, before any request: it may
	// register more on the authorization server and route them on mux.
	Setup func(srv *authserver.Server, mux *http.ServeMux)
}

// Decision is the signed-in user's answer to a validated authorization
// request: a consent, or nil to deny (access_denied). A consent without a
// Subject is given by the signed-in user: the request's login_hint, or
// Config.Subject. Decisions run concurrently when requests do.
type Decision func(req *authserver.AuthorizationRequest) *authserver.Consent

// Approve is the Decision that grants all that was requested.
func Approve(*authserver.AuthorizationRequest) *authserver.Consent {
	return &authserver.Consent{}
}

// Deny is the Decision that refuses every request.
func Deny(*authserver.AuthorizationRequest) *authserver.Consent {
	return nil
}

// ApproveScope returns the Decision that grants those of the requested
// scopes that are named; when that is none of them, a request for scope is
// denied (RFC 6749 §3.3).
func ApproveScope(scope ...string) Decision {
	allowed := grantry.Scope(slices.Clone(scope))
	return func(req *authserver.AuthorizationRequest) *authserver.Consent {
		granted := req.Scope.Intersect(allowed)
		if granted == nil {
			granted = grantry.Scope{}
		}
		return &authserver.Consent{Scope: granted}
	}
}

// expiresIn gives one access token lifetime to every grant type.
func expiresIn(d time.Duration) map[grantry.GrantType]time.Duration {
	if d <= 0 {
		return nil
	}
	m := map[grantry.GrantType]time.Duration{}
	for _, gt := range []grantry.GrantType{
		grantry.GrantAuthorizationCode, grantry.GrantRefreshToken, grantry.GrantClientCredentials,
		grantry.GrantPassword, grantry.GrantImplicit,
	} {
		m[gt] = d
	}
	return m
}
