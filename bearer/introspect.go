package bearer

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/internal/origin"
)

// IntrospectionConfig configures an Introspector.
type IntrospectionConfig struct {
	// Endpoint is the URL of the introspection endpoint. Required; https,
	// or http on a loopback host.
	Endpoint string
	// Client sends the requests. Required, so that its timeout and
	// transport are chosen, not inherited from http.DefaultClient. The
	// Introspector uses a copy that follows no redirect: the token goes
	// to Endpoint only, and a 3xx answer is a failed introspection.
	Client *http.Client
	// ClientID and ClientSecret authenticate the resource server to the
	// endpoint with client_secret_basic (RFC 6749 §2.3.1). With an empty
	// ClientID no Authorization header is sent, for a Client whose
	// transport authenticates by other means.
	ClientID     string
	ClientSecret string
	// CacheTTL is how long an active answer is reused. It is never kept
	// past the token's exp. Zero disables the cache; concurrent
	// validations of one token share one request either way.
	CacheTTL time.Duration
	// InactiveCacheTTL is how long an answer saying the token is inactive
	// is reused, at most CacheTTL. Zero, the default, never reuses one,
	// so that a token the endpoint did not yet know when first asked is
	// accepted as soon as it does. An active answer refused because its
	// nbf is still to come is reused no later than nbf.
	InactiveCacheTTL time.Duration
	// CacheSize bounds how many answers are kept; zero means 10,000.
	CacheSize int
	// Now returns the current time, against which the exp and nbf of an
	// answer are checked and which decides cache expiry; nil means
	// time.Now.
	Now func() time.Time
}

// DefaultCacheSize is the number of answers an Introspector keeps when
// IntrospectionConfig.CacheSize is zero.
const DefaultCacheSize = 10000

// maxIntrospectionBody bounds the size of an introspection response.
const maxIntrospectionBody = 1 << 20

// Introspector is a Validator that asks an authorization server's
// introspection endpoint (RFC 7662) about each token, and may reuse the
// answers for a bounded time. Tokens are kept in the cache only as
// SHA-256 digests. It is safe for concurrent use.
//
// Concurrent validations of one token share one request, with or without
// the cache: the first asks the endpoint, and those arriving before its
// answer wait for it and each get their own copy. A waiting caller whose
// context ends returns at once, leaving the request to run; when the
// request fails because the asking caller's own context ended, the
// others ask again. Any other failure is shared, so that a failing
// endpoint gets one request per token at a time.
//
// An active answer counts as inactive when its exp has passed or its nbf
// is still to come (RFC 7662 §2.2: an active token is within its time
// window of validity), or when its token_type is neither empty, "Bearer"
// (in any case) nor "access_token": a refresh token or a
// sender-constrained token (such as DPoP) is no bearer access token.
//
// The Introspector follows no redirect, so that neither the token nor the
// client credentials reach any URL but the endpoint's. A redirect, like
// any answer but a 200 with a JSON introspection response, is an error:
// the validator cannot decide, and a Protector answers 503.
type Introspector struct {
	cfg     IntrospectionConfig
	client  *http.Client
	now     func() time.Time
	cache   *answerCache
	flights flights
}

// NewIntrospector returns an introspector, or an error when the client is
// missing or the endpoint is not an absolute https URL without user
// information or fragment, or http on a loopback host (RFC 7662 §4).
func NewIntrospector(cfg IntrospectionConfig) (*Introspector, error) {
	if cfg.Client == nil {
		return nil, errors.New("bearer: IntrospectionConfig.Client is required")
	}
	if _, err := origin.ParseSecure(cfg.Endpoint, false); err != nil {
		return nil, fmt.Errorf("bearer: introspection endpoint %q %w", cfg.Endpoint, err)
	}
	v := &Introspector{cfg: cfg, client: noRedirects(cfg.Client), now: cfg.Now}
	if v.now == nil {
		v.now = time.Now
	}
	if cfg.CacheTTL > 0 {
		size := cfg.CacheSize
		if size <= 0 {
			size = DefaultCacheSize
		}
		v.cache = newAnswerCache(size)
	}
	return v, nil
}

// noRedirects returns a copy of c that hands any redirect back as the
// response, leaving c as it is.
func noRedirects(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// ValidateToken implements Validator: the cached answer while it lasts,
// otherwise the endpoint's. Concurrent validations of one token share one
// request. Each call returns its own copy.
func (v *Introspector) ValidateToken(ctx context.Context, token string) (grantry.TokenInfo, error) {
	key := sha256.Sum256([]byte(token))
	if info, ok := v.cached(key); ok {
		return *info.Clone(), nil
	}
	for {
		f, lead := v.flights.join(key)
		if lead {
			v.lead(ctx, key, token, f)
		} else if err := v.flights.wait(ctx, f); err != nil {
			return grantry.TokenInfo{}, fmt.Errorf("bearer: introspection request: %w", err)
		}
		if f.abandoned && ctx.Err() == nil {
			continue // the leading caller's context ended, not ours: ask again
		}
		if f.err != nil {
			return grantry.TokenInfo{}, f.err
		}
		return *f.info.Clone(), nil
	}
}

func (v *Introspector) cached(key [32]byte) (*grantry.TokenInfo, bool) {
	if v.cache == nil {
		return nil, false
	}
	return v.cache.get(key, v.now())
}

// lead makes the introspection of flight f and lands it, also should the
// request panic. The cache is read again first: a flight for the same
// token may have landed since the caller last looked.
func (v *Introspector) lead(ctx context.Context, key [32]byte, token string, f *flight) {
	defer v.flights.land(key, f)
	if info, ok := v.cached(key); ok {
		f.info, f.err = info, nil
		return
	}
	info, err := v.introspect(ctx, token)
	if err != nil {
		f.err, f.abandoned = err, contextEnded(ctx, err)
		return
	}
	f.info, f.err = v.keep(key, info), nil
}

// keep turns the endpoint's answer into the validator's, an inactive one
// for a token that is not a usable bearer access token now, and caches
// it for as long as cacheUntil allows.
func (v *Introspector) keep(key [32]byte, info *grantry.TokenInfo) *grantry.TokenInfo {
	now := v.now()
	until := v.cacheUntil(info, now)
	if info.Active && (!bearerType(info.TokenType) || !info.ActiveAt(now)) {
		if info.NotBefore.After(now) && info.NotBefore.Before(until) {
			until = info.NotBefore // active then: no refusal outlives nbf
		}
		info = &grantry.TokenInfo{}
	}
	if v.cache != nil && until.After(now) {
		v.cache.put(key, info, until, now)
	}
	return info
}

// cacheUntil is when an answer stops being reused: CacheTTL from now, and
// no later than the token's exp; InactiveCacheTTL for an answer that is
// or will count as inactive.
func (v *Introspector) cacheUntil(info *grantry.TokenInfo, now time.Time) time.Time {
	if !info.Active || !bearerType(info.TokenType) || !info.ActiveAt(now) {
		return now.Add(min(v.cfg.InactiveCacheTTL, v.cfg.CacheTTL))
	}
	until := now.Add(v.cfg.CacheTTL)
	if !info.ExpiresAt.IsZero() && info.ExpiresAt.Before(until) {
		until = info.ExpiresAt
	}
	return until
}

func bearerType(t string) bool {
	return t == "" || strings.EqualFold(t, grantry.TokenTypeBearer) || t == grantry.HintAccessToken
}

// introspect asks the endpoint (RFC 7662 §2.1) and reads its answer
// (§2.2). Anything but a 200 with a JSON introspection response is an
// error: the validator cannot decide.
func (v *Introspector) introspect(ctx context.Context, token string) (*grantry.TokenInfo, error) {
	form := url.Values{"token": {token}, "token_type_hint": {grantry.HintAccessToken}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.cfg.Endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("bearer: introspection request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if v.cfg.ClientID != "" {
		req.SetBasicAuth(url.QueryEscape(v.cfg.ClientID), url.QueryEscape(v.cfg.ClientSecret))
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bearer: introspection request: %w", err)
	}
	defer resp.Body.Close()
	return readIntrospection(resp)
}

func readIntrospection(resp *http.Response) (*grantry.TokenInfo, error) {
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("bearer: introspection endpoint answered %s", resp.Status)
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, fmt.Errorf("bearer: introspection endpoint answered with content type %q", resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIntrospectionBody+1))
	if err != nil {
		return nil, fmt.Errorf("bearer: reading the introspection response: %w", err)
	}
	if len(body) > maxIntrospectionBody {
		return nil, errors.New("bearer: the introspection response is too large")
	}
	info := new(grantry.TokenInfo)
	if err := json.Unmarshal(body, info); err != nil {
		return nil, fmt.Errorf("bearer: malformed introspection response: %w", err)
	}
	return info, nil
}
