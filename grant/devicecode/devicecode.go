package devicecode

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/storage"
)

// Defaults of Config.
const (
	// DefaultLifetime is how long a device code and its user code live
	// (RFC 8628 §3.2 expires_in): long enough to sign in on another
	// device, short enough that guessing user codes is hopeless.
	DefaultLifetime = 10 * time.Minute
	// DefaultInterval is the least time between two polls of the token
	// endpoint (RFC 8628 §3.2 interval, whose default is 5 s).
	DefaultInterval = 5 * time.Second
)

// DefaultAuthMethods are the client authentication methods accepted when
// Config.AuthMethods is nil. Devices are mostly public clients (RFC 8628
// §5.6), which identify themselves with client_id alone.
var DefaultAuthMethods = []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost, grantry.AuthNone}

// Config configures the grant and its device authorization endpoint.
type Config struct {
	// VerificationURI is the absolute URL of the page where users enter
	// user codes (RFC 8628 §3.2 verification_uri): https, or http on a
	// loopback host. Required.
	VerificationURI string
	// URL is where the device authorization endpoint is mounted, for the
	// server metadata (device_authorization_endpoint, RFC 8628 §4): an
	// absolute URL, or a path joined to the issuer.
	URL string
	// Lifetime is how long codes live; zero means DefaultLifetime.
	Lifetime time.Duration
	// Interval is the least time between polls; zero means
	// DefaultInterval. It is given whole seconds, at least one.
	Interval time.Duration
	// AuthMethods are the client authentication methods accepted at both
	// endpoints; nil means DefaultAuthMethods.
	AuthMethods []grantry.AuthMethod
	// InsecureAllowHTTP allows an http VerificationURI on hosts other
	// than loopback. Only for development.
	InsecureAllowHTTP bool
}

// Grant is the device authorization grant: the token grant for
// grant_type=urn:ietf:params:oauth:grant-type:device_code, the device
// authorization endpoint (AuthorizationEndpoint), and the steps of the
// verification page (Lookup, Approve, Deny).
type Grant struct {
	store storage.DeviceStore
	cfg   Config
}

// New returns the grant over a device store, or an error when
// Config.VerificationURI is not a usable absolute URL.
func New(store storage.DeviceStore, cfg Config) (*Grant, error) {
	if err := checkVerificationURI(cfg.VerificationURI, cfg.InsecureAllowHTTP); err != nil {
		return nil, err
	}
	if cfg.AuthMethods == nil {
		cfg.AuthMethods = DefaultAuthMethods
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = DefaultLifetime
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	cfg.Interval = max(time.Second, cfg.Interval.Truncate(time.Second))
	return &Grant{store: store, cfg: cfg}, nil
}

// checkVerificationURI requires an absolute http(s) URL without
// fragment, https unless on loopback or insecure.
func checkVerificationURI(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return errors.New("devicecode: Config.VerificationURI is required")
	case err != nil || u.Host == "" || u.Fragment != "" || u.User != nil:
		return fmt.Errorf("devicecode: Config.VerificationURI %q is not an absolute URL without fragment", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (insecure || loopback(u.Hostname())):
		return nil
	}
	return fmt.Errorf("devicecode: Config.VerificationURI %q must be https", raw)
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Lifetime returns how long codes live.
func (g *Grant) Lifetime() time.Duration { return g.cfg.Lifetime }

// GrantType implements authserver.TokenGrant.
func (*Grant) GrantType() grantry.GrantType { return grantry.GrantDeviceCode }

// AuthMethods implements authserver.TokenGrant.
func (g *Grant) AuthMethods() []grantry.AuthMethod { return g.cfg.AuthMethods }

// Token implements authserver.TokenGrant: a device polls with its device
// code (RFC 8628 §3.4), and is answered authorization_pending until the
// user decides, slow_down when it polls too soon (its interval then grows
// by 5 s), access_denied when the user denied, expired_token when the code
// expired, and the tokens once, when the user approved (§3.5). A refresh
// token is issued when the client may use the refresh_token grant.
func (g *Grant) Token(ctx context.Context, req *authserver.TokenRequest) (*authserver.Issue, error) {
	raw := req.Get("device_code")
	if raw == "" {
		return nil, grantry.InvalidRequest("missing device_code")
	}
	d, out, err := g.store.PollDeviceAuthorization(ctx, digest(raw), req.Client.ID, req.Time)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, invalidDeviceCode()
	case err != nil:
		return nil, authserver.AsError(err)
	}
	if err := pollError(d, out); err != nil {
		return nil, err
	}
	return &authserver.Issue{
		Subject: d.Subject,
		Scope:   d.GrantedScope,
		Refresh: slices.Contains(req.Client.GrantTypes, grantry.GrantRefreshToken),
		Extra:   d.Extra,
		Spent:   true,
	}, nil
}

// pollError is the error answer of a poll (RFC 8628 §3.5), nil once
// approved.
func pollError(d *storage.DeviceAuthorization, out storage.DevicePoll) error {
	switch out {
	case storage.PollApproved:
		return nil
	case storage.PollPending:
		return grantry.NewError(grantry.ErrAuthorizationPending, "the user has not yet decided")
	case storage.PollSlowDown:
		return grantry.NewError(grantry.ErrSlowDown,
			fmt.Sprintf("polling too fast: wait at least %d seconds between requests", int64(d.Interval/time.Second)))
	case storage.PollDenied:
		return grantry.NewError(grantry.ErrAccessDenied, "the user denied the authorization")
	case storage.PollExpired:
		return grantry.NewError(grantry.ErrExpiredToken, "the device code has expired; start again")
	}
	return invalidDeviceCode()
}

func invalidDeviceCode() *grantry.Error {
	return grantry.NewError(grantry.ErrInvalidGrant, "the device code is invalid or used")
}
