package bearer

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/dpop"
)

// DefaultRealm is the realm of the WWW-Authenticate challenges of a
// Protector whose Config has no Realm.
const DefaultRealm = "grantry"

// DefaultMaxFormBytes is the largest form body a Protector with AllowForm
// reads when Config.MaxFormBytes is zero.
const DefaultMaxFormBytes = 1 << 20

// Config configures a Protector. The zero value reads the token from the
// Authorization header only and sends challenges with realm DefaultRealm.
type Config struct {
	// Resource is the resource server's own identifier (RFC 8707, RFC
	// 9728 §2): when set, a token whose audience (aud) does not name it
	// is refused with invalid_token, so that a token meant for another
	// resource cannot be replayed here. A token without audience is
	// refused too.
	Resource string
	// ResourceMetadata is the URL of the resource's metadata (RFC 9728
	// §3, see MetadataURL and Protector.MetadataHandler). When set, the
	// challenge of every 401 answer names it as resource_metadata
	// (RFC 9728 §5.1), so that a client can find the authorization server.
	ResourceMetadata string
	// Realm is the realm of the WWW-Authenticate challenges (RFC 6750 §3);
	// empty means DefaultRealm. Every challenge carries it, so that even
	// the one to a request without credentials has the auth-param RFC
	// 6750 §3 requires after the scheme.
	Realm string
	// AllowForm also reads the token from an access_token parameter of a
	// form-encoded body (RFC 6750 §2.2). The body is then parsed with
	// r.ParseForm, so handlers find it in r.PostForm.
	AllowForm bool
	// MaxFormBytes bounds the form body read for the token when
	// AllowForm is set; zero means DefaultMaxFormBytes. A larger body is
	// refused with invalid_request before any token is checked.
	MaxFormBytes int64
	// InsecureAllowQuery also reads the token from an access_token query
	// parameter (RFC 6750 §2.3), where proxies, logs and the Referer
	// header may leak it. RFC 6750 says not to use it unless nothing else
	// is possible.
	InsecureAllowQuery bool
	// Now returns the current time, against which exp and nbf are
	// checked; nil means time.Now.
	Now func() time.Time
	// Leeway is the clock skew tolerated when checking exp and nbf; zero
	// tolerates none. With a validator of self-contained tokens, such as
	// accesstoken.JWTValidator, give both the same leeway.
	Leeway time.Duration
	// Logger receives the causes of failed validations (503 answers); nil
	// means slog.Default().
	Logger *slog.Logger
	// Revoked, when set, is asked about every token the validator found
	// active, with the request's context: a revocation list of the
	// resource server's own, such as the jti of tokens reported stolen.
	// It applies whatever the validator, also one wrapped in another. A
	// revoked token answers invalid_token; an error, 503 as for the
	// validator's. It must not modify info.
	Revoked func(ctx context.Context, info *grantry.TokenInfo) (bool, error)
	// CheckRequest, when set, checks the request a token came with, once
	// the token is found active and not revoked, before the scope check:
	// for instance that a certificate-bound token (RFC 8705) arrives over
	// a TLS connection with that certificate. An error that is not a
	// *grantry.Error answers invalid_token. It must not modify info.
	CheckRequest func(r *http.Request, info *grantry.TokenInfo) error
	// OnTokenAuthenticated is called once a token has been validated,
	// found active and not revoked, passed CheckRequest and the scope
	// requirement: in the middleware just before the next handler runs,
	// in Acquire just before it returns the token. It is not called for a
	// refused request. It runs on the request's goroutine and must not
	// modify info.
	OnTokenAuthenticated func(r *http.Request, info *grantry.TokenInfo)
	// DPoP, when set, also accepts tokens bound to a DPoP key, sent as
	// "Authorization: DPoP <token>" with a proof in the DPoP header
	// (RFC 9449 §7). Whatever it says, a token bound to a key is refused
	// when sent as a bearer token (§7.2).
	DPoP *DPoPConfig
}

// Protector guards resources with bearer tokens, validated by a Validator.
// It is safe for concurrent use.
type Protector struct {
	v     Validator
	cfg   Config
	realm string
	now   func() time.Time
	log   *slog.Logger
	dpop  *dpop.Verifier
	algs  string // of the DPoP challenge
}

// New returns a protector over a validator. It panics when v is nil.
func New(v Validator, cfg Config) *Protector {
	if v == nil {
		panic("bearer: nil Validator")
	}
	p := &Protector{v: v, cfg: cfg, realm: cfg.Realm, now: cfg.Now, log: cfg.Logger}
	if p.realm == "" {
		p.realm = DefaultRealm
	}
	if p.cfg.MaxFormBytes <= 0 {
		p.cfg.MaxFormBytes = DefaultMaxFormBytes
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.setupDPoP()
	return p
}

// Require returns middleware that lets a request through only with a valid
// token granting every one of the scopes (see AllOf); with no scope, any
// valid token. The next handler finds the token with FromContext.
func (p *Protector) Require(scopes ...string) func(http.Handler) http.Handler {
	return p.Protect(AllOf(scopes...))
}

// RequireAny is Require for a token granting one of the alternatives, each
// a space-delimited list of scopes that must all be granted (see AnyOf).
func (p *Protector) RequireAny(alternatives ...string) func(http.Handler) http.Handler {
	return p.Protect(AnyOf(alternatives...))
}

// Protect returns middleware that lets a request through only with a valid
// token meeting q, and answers any other as RFC 6750 §3 says. When the
// token came from the query, the next handler starts with Cache-Control:
// private already set, as RFC 6750 §2.3 asks of a successful answer; it
// may replace it with a stricter directive such as no-store.
func (p *Protector) Protect(q Requirement) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := &tokenContext{Context: r.Context()}
			inQuery, err := p.authorize(r, q, &c.info)
			if err != nil {
				p.WriteError(w, r, err)
				return
			}
			if inQuery {
				w.Header().Set("Cache-Control", "private")
			}
			next.ServeHTTP(w, r.WithContext(c))
		})
	}
}

// Acquire validates the token of a request against q, for a handler that
// decides for itself: the token's info, or an error to answer with
// WriteError. A request without any token gives an error wrapping
// ErrNoToken. Acquire writes no header: with Config.InsecureAllowQuery,
// a handler that accepts a token from the query should answer with
// Cache-Control: private (RFC 6750 §2.3).
func (p *Protector) Acquire(r *http.Request, q Requirement) (*grantry.TokenInfo, error) {
	info := new(grantry.TokenInfo)
	if _, err := p.authorize(r, q, info); err != nil {
		return nil, err
	}
	return info, nil
}

// authorize runs every check of a request, in the order of RFC 6750 §3:
// the token's presence and form, its validity (active, unexpired, not
// revoked, the request check), then its scope. The validator's answer is
// written to info. inQuery tells that the token came from the query.
func (p *Protector) authorize(r *http.Request, q Requirement, info *grantry.TokenInfo) (inQuery bool, e *grantry.Error) {
	token, scheme, inQuery, e := p.tokenFromRequest(r)
	if e != nil {
		return false, p.forScheme(e, scheme, "")
	}
	if token == "" {
		return false, p.forScheme(p.noToken(), "", "")
	}
	var err error
	if *info, err = p.v.ValidateToken(r.Context(), token); err != nil {
		return false, p.forScheme(p.asError(err), scheme, "")
	}
	if e := p.checkToken(r, info); e != nil {
		return false, p.forScheme(e, scheme, "")
	}
	if e := p.checkBinding(r, token, scheme, info); e != nil {
		return false, p.forScheme(e, scheme, "")
	}
	if !q.SatisfiedBy(info.Scope) {
		return false, p.forScheme(p.insufficientScope(q), scheme, q.Needed().String())
	}
	if f := p.cfg.OnTokenAuthenticated; f != nil {
		f(r, info)
	}
	return inQuery, nil
}

// activeNow reports whether info is active, unexpired and past its
// not-before time, within the leeway.
func (p *Protector) activeNow(info *grantry.TokenInfo) bool {
	now := p.now()
	if p.cfg.Leeway <= 0 {
		return info.ActiveAt(now)
	}
	return info.Active && !info.Expired(now.Add(-p.cfg.Leeway)) &&
		(info.NotBefore.IsZero() || !now.Add(p.cfg.Leeway).Before(info.NotBefore))
}

// forThisResource reports whether the token's audience names the
// resource, when the protector has one (RFC 8707 §2, RFC 9068 §4).
func (p *Protector) forThisResource(info *grantry.TokenInfo) bool {
	return p.cfg.Resource == "" || slices.Contains(info.Audience, p.cfg.Resource)
}

// checkToken refuses a token that is inactive, expired, not yet valid or
// revoked, or whose request CheckRequest refuses: invalid_token
// (RFC 6750 §3.1).
func (p *Protector) checkToken(r *http.Request, info *grantry.TokenInfo) *grantry.Error {
	if !p.activeNow(info) || !p.forThisResource(info) {
		return p.invalidToken()
	}
	if f := p.cfg.Revoked; f != nil {
		revoked, err := f(r.Context(), info)
		if err != nil {
			return p.asError(err)
		}
		if revoked {
			return p.invalidToken()
		}
	}
	if f := p.cfg.CheckRequest; f != nil {
		if err := f(r, info); err != nil {
			var e *grantry.Error
			if errors.As(err, &e) {
				return p.asError(e)
			}
			return p.invalidToken()
		}
	}
	return nil
}
