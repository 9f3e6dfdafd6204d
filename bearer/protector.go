package bearer

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/grantry/grantry"
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
	// Logger receives the causes of failed validations (503 answers); nil
	// means slog.Default().
	Logger *slog.Logger
	// OnTokenAuthenticated is called once a token has been validated,
	// found active and not revoked, passed the validator's request check
	// and the scope requirement: in the middleware just before the next
	// handler runs, in Acquire just before it returns the token. It is
	// not called for a refused request. It runs on the request's
	// goroutine and must not modify info.
	OnTokenAuthenticated func(r *http.Request, info *grantry.TokenInfo)
}

// Protector guards resources with bearer tokens, validated by a Validator.
// It is safe for concurrent use.
type Protector struct {
	v       Validator
	filler  InfoFiller
	revoked RevocationChecker
	checker RequestValidator
	cfg     Config
	realm   string
	now     func() time.Time
	log     *slog.Logger
}

// New returns a protector over a validator. It panics when v is nil.
func New(v Validator, cfg Config) *Protector {
	if v == nil {
		panic("bearer: nil Validator")
	}
	p := &Protector{v: v, cfg: cfg, realm: cfg.Realm, now: cfg.Now, log: cfg.Logger}
	p.filler, _ = v.(InfoFiller)
	p.revoked, _ = v.(RevocationChecker)
	p.checker, _ = v.(RequestValidator)
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
			info, inQuery, err := p.authorize(r, q, &c.buf)
			if err != nil {
				p.WriteError(w, r, err)
				return
			}
			if inQuery {
				w.Header().Set("Cache-Control", "private")
			}
			c.info = info
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
	info, _, err := p.authorize(r, q, nil)
	if err != nil {
		return nil, err
	}
	return info, nil
}

// authorize runs every check of a request, in the order of RFC 6750 §3:
// the token's presence and form, its validity (active, unexpired, not
// revoked, the validator's request check), then its scope. dst, when not
// nil, receives the info from an InfoFiller. inQuery tells that the
// token came from the query.
func (p *Protector) authorize(r *http.Request, q Requirement, dst *grantry.TokenInfo) (info *grantry.TokenInfo, inQuery bool, e *grantry.Error) {
	token, inQuery, e := p.tokenFromRequest(r)
	if e != nil {
		return nil, false, e
	}
	if token == "" {
		return nil, false, p.noToken()
	}
	info, err := p.validate(r.Context(), token, dst)
	if err != nil {
		return nil, false, p.asError(err)
	}
	if e := p.checkToken(r, info); e != nil {
		return nil, false, e
	}
	if !q.SatisfiedBy(info.Scope) {
		return nil, false, p.insufficientScope(q)
	}
	if f := p.cfg.OnTokenAuthenticated; f != nil {
		f(r, info)
	}
	return info, inQuery, nil
}

func (p *Protector) validate(ctx context.Context, token string, dst *grantry.TokenInfo) (*grantry.TokenInfo, error) {
	if p.filler == nil {
		return p.v.ValidateToken(ctx, token)
	}
	if dst == nil {
		dst = new(grantry.TokenInfo)
	}
	if err := p.filler.FillTokenInfo(ctx, token, dst); err != nil {
		return nil, err
	}
	return dst, nil
}

// checkToken refuses a token that is inactive, expired, not yet valid or
// revoked, or whose request the validator refuses: invalid_token
// (RFC 6750 §3.1).
func (p *Protector) checkToken(r *http.Request, info *grantry.TokenInfo) *grantry.Error {
	if info == nil || !info.ActiveAt(p.now()) {
		return p.invalidToken()
	}
	if p.revoked != nil {
		revoked, err := p.revoked.TokenRevoked(r.Context(), info)
		if err != nil {
			return p.asError(err)
		}
		if revoked {
			return p.invalidToken()
		}
	}
	if p.checker != nil {
		if err := p.checker.ValidateRequest(r, info); err != nil {
			var e *grantry.Error
			if errors.As(err, &e) {
				return p.asError(e)
			}
			return p.invalidToken()
		}
	}
	return nil
}
