package authserver_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// causeText is in the internal cause of every simulated failure; it must
// reach the log and never the client.
const causeText = "db-primary.internal:5432"

var (
	errOutage = fmt.Errorf("dial tcp %s: connection refused: %w", causeText, storage.ErrUnavailable)
	errBroken = fmt.Errorf("pq: relation tokens does not exist on %s", causeText)
)

// flakyStore is the memstore with some operations failing, as a database
// that cannot be reached would.
type flakyStore struct {
	*memstore.Store
	mu   sync.Mutex
	down map[string]error
}

func (s *flakyStore) breakOp(op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[op] = err
}

func (s *flakyStore) fail(op string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down[op]
}

func (s *flakyStore) GetClient(ctx context.Context, id string) (*storage.Client, error) {
	if err := s.fail("GetClient"); err != nil {
		return nil, err
	}
	return s.Store.GetClient(ctx, id)
}

func (s *flakyStore) CreateAuthorizationCode(ctx context.Context, c *storage.AuthorizationCode) error {
	if err := s.fail("CreateAuthorizationCode"); err != nil {
		return err
	}
	return s.Store.CreateAuthorizationCode(ctx, c)
}

func (s *flakyStore) ConsumeAuthorizationCode(ctx context.Context, hash, clientID string, now time.Time) (*storage.AuthorizationCode, error) {
	if err := s.fail("ConsumeAuthorizationCode"); err != nil {
		return nil, err
	}
	return s.Store.ConsumeAuthorizationCode(ctx, hash, clientID, now)
}

func (s *flakyStore) CreateToken(ctx context.Context, t *storage.Token) error {
	if err := s.fail("CreateToken"); err != nil {
		return err
	}
	return s.Store.CreateToken(ctx, t)
}

func (s *flakyStore) TokenByRefresh(ctx context.Context, hash string) (*storage.Token, error) {
	if err := s.fail("TokenByRefresh"); err != nil {
		return nil, err
	}
	return s.Store.TokenByRefresh(ctx, hash)
}

func (s *flakyStore) RotateRefreshToken(ctx context.Context, oldHash string, next *storage.Token) error {
	if err := s.fail("RotateRefreshToken"); err != nil {
		return err
	}
	return s.Store.RotateRefreshToken(ctx, oldHash, next)
}

func (s *flakyStore) RevokeFamily(ctx context.Context, family string) error {
	if err := s.fail("RevokeFamily"); err != nil {
		return err
	}
	return s.Store.RevokeFamily(ctx, family)
}

// withFlaky puts a flakyStore in front of the memstore for clients, codes
// and tokens.
func withFlaky(fl *flakyStore) func(*fixtureSetup) {
	return func(s *fixtureSetup) {
		fl.Store = s.Config.Tokens.(*memstore.Store)
		fl.down = make(map[string]error)
		s.Config.Clients, s.Config.Tokens, s.Codes = fl, fl, fl
	}
}

func TestStorageOutage(t *testing.T) {
	tests := []struct {
		name  string
		op    string
		err   error
		req   reqFunc // built while the store works; sent once op fails
		authz bool    // the request goes to the authorization endpoint
		// want
		status int
		code   string
		// spent: the request consumed the code before the outage, so a
		// retry cannot succeed: no Retry-After, and a description telling
		// the client to start again.
		spent bool
	}{
		{name: "token: client lookup", op: "GetClient", err: errOutage, req: tokenForm(basicAs("cc1"), "grant_type", "client_credentials"),
			status: 503, code: "temporarily_unavailable"},
		{name: "token: client lookup of a public client", op: "GetClient", err: errOutage,
			req:    withPKCE("S256", rfcChallenge, func(c string) *http.Request { return p1Exchange(c, "code_verifier", rfcVerifier) }),
			status: 503, code: "temporarily_unavailable"},
		{name: "token: client_secret_post lookup", op: "GetClient", err: errOutage,
			req:    tokenForm(nil, "grant_type", "authorization_code", "code", "x", "client_id", "post1", "client_secret", "post-secret"),
			status: 503, code: "temporarily_unavailable"},
		{name: "token: storing the token", op: "CreateToken", err: errOutage, req: tokenForm(basicAs("cc1"), "grant_type", "client_credentials"),
			status: 503, code: "temporarily_unavailable"},
		{name: "token: consuming the code", op: "ConsumeAuthorizationCode", err: errOutage, req: withCode(exchangeC1),
			status: 503, code: "temporarily_unavailable"},
		{name: "token: storing the token of a consumed code", op: "CreateToken", err: errOutage, req: withCode(exchangeC1),
			status: 503, code: "temporarily_unavailable", spent: true},
		{name: "token: finding the refresh token", op: "TokenByRefresh", err: errOutage,
			req: withRefresh(func(rt string) *http.Request { return asClient(tokenRequest(refreshForm(rt)), "c1") }), status: 503, code: "temporarily_unavailable"},
		{name: "token: rotating the refresh token", op: "RotateRefreshToken", err: errOutage,
			req: withRefresh(func(rt string) *http.Request { return asClient(tokenRequest(refreshForm(rt)), "c1") }), status: 503, code: "temporarily_unavailable"},
		{name: "token: revoking after a code replay", op: "RevokeFamily", err: errOutage, req: func(t *testing.T, f *fixture) *http.Request {
			c := f.obtainCode(t, codeRequest())
			mustToken(t, f.exchange(t, c))
			return c1Exchange(c)
		}, status: 503, code: "temporarily_unavailable"},
		{name: "token: a failure that is no outage", op: "CreateToken", err: errBroken, req: tokenForm(basicAs("cc1"), "grant_type", "client_credentials"),
			status: 500, code: "server_error"},
		{name: "token: a failure that is no outage, storing the token of a consumed code", op: "CreateToken", err: errBroken, req: withCode(exchangeC1),
			status: 500, code: "server_error"},
		{name: "authorize: client lookup", op: "GetClient", err: errOutage, authz: true, req: func(*testing.T, *fixture) *http.Request {
			return authzRequest(codeRequest())
		}, status: 503, code: "temporarily_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl := &flakyStore{}
			f := newFixture(t, withFlaky(fl))
			r := tt.req(t, f)
			fl.breakOp(tt.op, tt.err)
			res := f.send(t, r, tt.authz)
			body := checkJSONError(t, res, tt.status, tt.code)
			checkRetry(t, res, body, tt.spent)
			raw := string(readBody(t, res))
			for _, leak := range []string{causeText, "connection refused", "pq:", "storage:"} {
				if strings.Contains(raw, leak) || strings.Contains(fmt.Sprint(res.Header), leak) {
					t.Errorf("response leaks %q: %s %v", leak, raw, res.Header)
				}
			}
			if _, ok := body["access_token"]; ok {
				t.Errorf("access_token in an error response")
			}
			if !strings.Contains(f.logs.String(), causeText) {
				t.Errorf("log: got %q, want the cause logged", f.logs.String())
			}
		})
	}
}

// spentCodeDescription is the error_description of an outage met after
// the code was consumed.
const spentCodeDescription = "the authorization code can no longer be used; start the authorization again"

// checkRetry checks what a failure tells the client about retrying: a
// 503 carries a delay (RFC 9110 §10.2.3) when the same request may
// succeed later; an outage after the code was spent carries no delay and
// a description telling the client to start again.
func checkRetry(t *testing.T, res *http.Response, body map[string]any, spent bool) {
	t.Helper()
	if got := res.Header.Get("Retry-After"); spent && got != "" {
		t.Errorf("Retry-After: got %q, want none: the code is spent, a retry cannot succeed", got)
	} else if !spent && got == "" && res.StatusCode == http.StatusServiceUnavailable {
		t.Errorf("Retry-After: got none, want a delay on 503 (RFC 9110 §10.2.3)")
	}
	if got := body["error_description"]; spent && got != spentCodeDescription {
		t.Errorf("error_description: got %v, want %q", got, spentCodeDescription)
	} else if !spent && got == spentCodeDescription {
		t.Errorf("error_description: got %q, want one that does not send the client back", got)
	}
}

// A store failing while the code is stored is a redirected
// temporarily_unavailable: the client and redirect URI are trusted by then
// (RFC 6749 §4.1.2.1).
func TestStorageOutageAfterConsent(t *testing.T) {
	fl := &flakyStore{}
	f := newFixture(t, withFlaky(fl))
	fl.breakOp("CreateAuthorizationCode", errOutage)
	res := f.authorize(t, codeRequest("state", "s").Encode(), approve)
	loc := res.Header.Get("Location")
	rd := parseRedirect(t, res)
	if got := rd.params.Get("error"); got != "temporarily_unavailable" {
		t.Errorf("error: got %q, want temporarily_unavailable", got)
	}
	if got := rd.params.Get("state"); got != "s" {
		t.Errorf("state: got %q, want s", got)
	}
	if rd.params.Has("code") {
		t.Errorf("code: got %q, want none", rd.params.Get("code"))
	}
	if got := res.Header.Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After: got %q, want 5 (RFC 9110 §10.2.3)", got)
	}
	if strings.Contains(loc, "db-primary") || strings.Contains(loc, "refused") {
		t.Errorf("Location leaks the cause: %s", loc)
	}
	if !errors.Is(errOutage, storage.ErrUnavailable) {
		t.Fatalf("the simulated outage does not wrap storage.ErrUnavailable")
	}
}

func authzRequest(v url.Values) *http.Request {
	return httptest.NewRequest(http.MethodGet, "https://as.test/authorize?"+v.Encode(), nil)
}

// send delivers r to the token endpoint, or to the authorization endpoint
// with an approving user.
func (f *fixture) send(t *testing.T, r *http.Request, authz bool) *http.Response {
	t.Helper()
	if !authz {
		return f.token(t, r)
	}
	w := httptest.NewRecorder()
	f.authorizeHandler(approve)(w, r)
	return w.Result()
}
