package authserver_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// ledger is the memstore noting every token it stores, so that a test can
// tell what a request wrote.
type ledger struct {
	*memstore.Store
	mu      sync.Mutex
	written []string // access-token digests, in order
}

func (l *ledger) note(t *storage.Token) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.written = append(l.written, t.AccessHash)
}

func (l *ledger) since(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.written[n:]...)
}

func (l *ledger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.written)
}

func (l *ledger) CreateToken(ctx context.Context, t *storage.Token) error {
	err := l.Store.CreateToken(ctx, t)
	if err == nil {
		l.note(t)
	}
	return err
}

func (l *ledger) RotateRefreshToken(ctx context.Context, oldHash string, next *storage.Token) error {
	err := l.Store.RotateRefreshToken(ctx, oldHash, next)
	if err == nil {
		l.note(next)
	}
	return err
}

// failingResponder is an extension whose response hook fails while fail is
// set, as an ID-token signer would when its key is unavailable.
type failingResponder struct{ fail atomic.Bool }

var errSigner = errors.New("signing key unavailable")

func (r *failingResponder) Hooks() authserver.Hooks {
	return authserver.Hooks{TokenResponse: func(context.Context, *authserver.TokenRequest, *storage.Token, *grantry.TokenResponse) error {
		if r.fail.Load() {
			return errSigner
		}
		return nil
	}}
}

// A failed token request leaves no usable token behind, and a failed
// refresh leaves the refresh token the client holds usable.
func TestFailedTokenRequestIssuesNothing(t *testing.T) {
	refreshC1 := func(rt string) *http.Request { return asClient(tokenRequest(refreshForm(rt)), "c1") }
	tests := []struct {
		name    string
		req     reqFunc
		breakIt bool   // the responder hook fails
		status  int    // of the failed request
		refresh string // the refresh token the request presented, if any
	}{
		{name: "wrong PKCE verifier", req: withPKCE("S256", rfcChallenge, func(c string) *http.Request {
			return p1Exchange(c, "code_verifier", rfcChallenge)
		}), status: 400},
		{name: "missing PKCE verifier", req: withPKCE("S256", rfcChallenge, func(c string) *http.Request { return p1Exchange(c) }), status: 400},
		{name: "code of another client", req: withCode(func(c string) *http.Request {
			return tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {cbURI},
				"client_id": {"post1"}, "client_secret": {"post-secret"}})
		}), status: 400},
		{name: "wrong client secret", req: withCode(func(c string) *http.Request { return basic(c1Exchange(c), "c1", "s2") }), status: 401},
		{name: "redirect_uri mismatch", req: withCode(func(c string) *http.Request { return c1Exchange(c, "redirect_uri", "https://client.test/x") }), status: 400},
		{name: "client credentials beyond the client's scope", req: tokenForm(basicAs("cc1"), "grant_type", "client_credentials", "scope", "profile"), status: 400},
		{name: "wrong password", req: tokenForm(basicAs("pw1"), "grant_type", "password", "username", "alice", "password", "x"), status: 400},
		{name: "refresh with a wider scope", req: withRefresh(func(rt string) *http.Request {
			return asClient(tokenRequest(refreshForm(rt, "scope", "profile email write")), "c1")
		}), status: 400},
		{name: "code exchange whose response hook fails", req: withCode(exchangeC1), breakIt: true, status: 500},
		{name: "refresh whose response hook fails", req: withRefresh(refreshC1), breakIt: true, status: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &ledger{}
			hook := &failingResponder{}
			f := newFixture(t, func(s *fixtureSetup) {
				l.Store = s.Config.Tokens.(*memstore.Store)
				s.Config.Tokens = l
				s.Extensions = []authserver.Extension{hook}
			})
			r := tt.req(t, f)
			rt := bodyValue(t, r, "refresh_token")
			before := l.count()
			hook.fail.Store(tt.breakIt)

			res := f.token(t, r)
			body := jsonBody(t, res)
			if res.StatusCode != tt.status {
				t.Errorf("status: got %d, want %d; body %v", res.StatusCode, tt.status, body)
			}
			for _, h := range l.since(before) {
				tok, err := f.store.TokenByAccess(t.Context(), h)
				if err != nil {
					t.Fatalf("TokenByAccess: %v", err)
				}
				if tok.Active(f.clock.Now()) {
					t.Errorf("a failed request left an active %s token of %s in the store, want none", tok.GrantType, tok.ClientID)
				}
			}
			if rt != "" {
				hook.fail.Store(false)
				retry := f.token(t, refreshC1(rt))
				if retry.StatusCode != http.StatusOK {
					t.Errorf("retrying the refresh after the failure: got %d %s, want 200: the failed request spent the client's refresh token",
						retry.StatusCode, readBody(t, retry))
				}
			}
		})
	}
}

// bodyValue reads a parameter of a form body and leaves the body to be
// read again.
func bodyValue(t *testing.T, r *http.Request, name string) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading the request body: %v", err)
	}
	r.Body = io.NopCloser(strings.NewReader(string(b)))
	v, err := url.ParseQuery(string(b))
	if err != nil {
		t.Fatalf("request body %q: %v", b, err)
	}
	return v.Get(name)
}
