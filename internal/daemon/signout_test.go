package daemon

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

var pageHeading = regexp.MustCompile(`<h1>([^<]*)</h1>`)

// copyBrowser returns a new browser holding a copy of c's cookies, as
// one who stole them would.
func (h *harness) copyBrowser(c *http.Client) *http.Client {
	h.t.Helper()
	u, _ := url.Parse(h.srv.URL)
	cookies := c.Jar.Cookies(u)
	if len(cookies) == 0 {
		h.t.Fatal("the browser has no cookie to copy")
	}
	thief := h.browser()
	thief.Jar.SetCookies(u, cookies)
	return thief
}

// wantSignedIn checks whether c is signed in, by the home page and by an
// authorization request.
func (h *harness) wantSignedIn(c *http.Client, who string, want bool) {
	h.t.Helper()
	heading := ""
	if m := pageHeading.FindStringSubmatch(h.get(c, "/").body); m != nil {
		heading = m[1]
	}
	r := h.get(c, authorizePath())
	toLogin := r.status == http.StatusSeeOther && strings.HasPrefix(r.header.Get("Location"), "/login?")
	if got := heading == "Signed in" && !toLogin; got != want {
		h.t.Errorf("%s: got signed in %v (home page %q, authorize status %d to %q), want %v",
			who, got, heading, r.status, r.header.Get("Location"), want)
	}
}

// onlySession returns the one stored session of the test user.
func (h *harness) onlySession() *storage.Session {
	h.t.Helper()
	list, err := h.store.ListSessions(h.t.Context(), h.userID)
	if err != nil || len(list) != 1 {
		h.t.Fatalf("sessions of %s: got (%d, %v), want one", testUser, len(list), err)
	}
	return list[0]
}

// TestCopiedCookieEnds checks that ending a session on the server signs
// out the browser and any copy of its cookie, however it is ended.
func TestCopiedCookieEnds(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, h *harness, b *backend, c *http.Client)
	}{
		{"sign-out", func(t *testing.T, h *harness, _ *backend, c *http.Client) {
			home := h.get(c, "/")
			if r := h.post(c, "/logout", url.Values{"csrf": {csrfOf(t, home.body)}}); r.status != http.StatusOK {
				t.Fatalf("logout: status %d, want 200", r.status)
			}
		}},
		{"user set-password", func(t *testing.T, _ *harness, b *backend, _ *http.Client) {
			if out := adminWithInput(t, b, "a new passw0rd\n", "user", "set-password", testUser); !strings.Contains(out, "1 session(s) ended") {
				t.Errorf("set-password printed %q, want one session ended", out)
			}
		}},
		{"session revoke ID", func(t *testing.T, h *harness, b *backend, _ *http.Client) {
			adminOn(t, b, "session", "revoke", "--", h.onlySession().ID) // an ID may begin with -
		}},
		{"session revoke --user", func(t *testing.T, _ *harness, b *backend, _ *http.Client) {
			adminOn(t, b, "session", "revoke", "--user", testUser)
		}},
		{"user delete", func(t *testing.T, _ *harness, b *backend, _ *http.Client) {
			adminOn(t, b, "user", "delete", testUser)
		}},
		{"expiry", func(t *testing.T, h *harness, _ *backend, _ *http.Client) {
			expireSession(t, h.store, h.onlySession(), time.Now())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, b := memoryHarness(t)
			c := h.browser()
			h.consentPage(c, authorizePath())
			thief := h.copyBrowser(c)
			h.wantSignedIn(thief, "copy before", true)
			tt.end(t, h, b, c)
			h.wantSignedIn(c, "browser after", false)
			h.wantSignedIn(thief, "copy after", false)
		})
	}
}

// expireSession stores sess again, expiring at exp.
func expireSession(t *testing.T, s storage.SessionStore, sess *storage.Session, exp time.Time) {
	t.Helper()
	if _, err := s.DeleteSession(t.Context(), sess.ID); err != nil {
		t.Fatal(err)
	}
	sess.ExpiresAt = exp
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatal(err)
	}
}

// TestSignOutLeavesOtherSessions checks that signing out in one browser
// keeps the user signed in in another.
func TestSignOutLeavesOtherSessions(t *testing.T) {
	h := newHarness(t)
	first, second := h.browser(), h.browser()
	h.consentPage(first, authorizePath())
	h.consentPage(second, authorizePath())
	home := h.get(first, "/")
	if r := h.post(first, "/logout", url.Values{"csrf": {csrfOf(t, home.body)}}); r.status != http.StatusOK {
		t.Fatalf("logout: status %d, want 200", r.status)
	}
	h.wantSignedIn(first, "the browser signed out", false)
	h.wantSignedIn(second, "the other browser", true)
}

// TestSignInReplacesSession checks that signing in again ends the
// browser's previous session on the server.
func TestSignInReplacesSession(t *testing.T) {
	h := newHarness(t)
	c := h.browser()
	h.consentPage(c, authorizePath())
	old := h.onlySession()
	login := h.get(c, "/login")
	r := h.post(c, "/login", url.Values{"csrf": {csrfOf(t, login.body)}, "username": {testUser}, "password": {testPassword}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("second sign-in: status %d, want 303", r.status)
	}
	if now := h.onlySession(); now.ID == old.ID || now.Hash == old.Hash {
		t.Errorf("session after signing in again: got ID %q, want a new one, not %q", now.ID, old.ID)
	}
}

// TestSessionRecordsClients checks that the session records each client
// it signs in to once, in order, whether consent is asked or remembered,
// and keeps its sign-in time.
func TestSessionRecordsClients(t *testing.T) {
	h := newHarness(t)
	h.addClient("other", "Other App", "client_secret_basic", testCallback)
	c := h.browser()
	before := time.Now().Add(-time.Second)
	h.approvedCode(c, authorizePath())
	if r := h.get(c, authorizePath()); r.status != http.StatusFound {
		t.Fatalf("remembered consent: status %d, want 302", r.status)
	}
	page := h.get(c, authorizePath("client_id", "other"))
	h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}})
	sess := h.onlySession()
	if want := []string{testClient, "other"}; !slices.Equal(sess.Clients, want) {
		t.Errorf("session clients: got %q, want %q", sess.Clients, want)
	}
	if sess.AuthTime.Before(before) || sess.AuthTime.After(time.Now()) || !slices.Equal(sess.AMR, []string{"pwd"}) {
		t.Errorf("session: got auth time %v and AMR %q, want the sign-in time and [pwd]", sess.AuthTime, sess.AMR)
	}
}

// TestDeniedConsentRecordsNoClient checks that a client the user refused
// is not recorded on the session.
func TestDeniedConsentRecordsNoClient(t *testing.T) {
	h := newHarness(t)
	c := h.browser()
	page := h.consentPage(c, authorizePath())
	h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"deny"}})
	if got := h.onlySession().Clients; len(got) != 0 {
		t.Errorf("session clients after a denial: got %q, want none", got)
	}
}

// TestSessionCookieHoldsNoRecord checks that the cookie's value is neither
// the session ID nor its stored digest.
func TestSessionCookieHoldsNoRecord(t *testing.T) {
	h := newHarness(t)
	c := h.browser()
	h.consentPage(c, authorizePath())
	u, _ := url.Parse(h.srv.URL)
	sess := h.onlySession()
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Value == sess.ID || ck.Value == sess.Hash || secret.Digest(ck.Value) != sess.Hash {
			t.Errorf("cookie %s=%q: want a token whose digest is the stored hash %q", ck.Name, ck.Value, sess.Hash)
		}
	}
}

// flakySessions fails the operations given an error to fail with.
type flakySessions struct {
	storage.SessionStore
	addErr, deleteErr atomic.Pointer[error]
}

func (s *flakySessions) AddSessionClient(ctx context.Context, id, clientID string) error {
	if err := s.addErr.Load(); err != nil {
		return *err
	}
	return s.SessionStore.AddSessionClient(ctx, id, clientID)
}

func (s *flakySessions) DeleteSession(ctx context.Context, id string) (*storage.Session, error) {
	if err := s.deleteErr.Load(); err != nil {
		return nil, *err
	}
	return s.SessionStore.DeleteSession(ctx, id)
}

func flakyHarness(t *testing.T) (*harness, *flakySessions) {
	store := memstore.New()
	b := memoryBackend(store)
	flaky := &flakySessions{SessionStore: store}
	b.sessions = flaky
	return newHarnessOn(t, store, b), flaky
}

// TestApproveWhenSessionFails checks that no code is issued when the
// client cannot be recorded on the session: a session ended meanwhile
// signs in again, a store that fails is an error page.
func TestApproveWhenSessionFails(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantIn     string // in the Location or the body
	}{
		{"session ended", storage.ErrNotFound, http.StatusSeeOther, "/login?"},
		{"store down", storage.ErrUnavailable, http.StatusServiceUnavailable, "not possible right now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, flaky := flakyHarness(t)
			c := h.browser()
			page := h.consentPage(c, authorizePath())
			flaky.addErr.Store(&tt.err)
			r := h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}})
			if r.status != tt.wantStatus || !strings.Contains(r.header.Get("Location")+r.body, tt.wantIn) {
				t.Errorf("approve: got %d to %q, want %d and %q", r.status, r.header.Get("Location"), tt.wantStatus, tt.wantIn)
			}
			if strings.Contains(r.header.Get("Location"), "code=") {
				t.Errorf("approve: got a code in %q, want none", r.header.Get("Location"))
			}
		})
	}
}

// TestLogoutWhenStoreFails checks that a sign-out the store cannot record
// is reported, and leaves the session as it was rather than pretending.
func TestLogoutWhenStoreFails(t *testing.T) {
	h, flaky := flakyHarness(t)
	c := h.browser()
	h.consentPage(c, authorizePath())
	home := h.get(c, "/")
	down := error(storage.ErrUnavailable)
	flaky.deleteErr.Store(&down)
	if r := h.post(c, "/logout", url.Values{"csrf": {csrfOf(t, home.body)}}); r.status != http.StatusServiceUnavailable {
		t.Errorf("logout with the store down: status %d, want 503", r.status)
	}
	flaky.deleteErr.Store(nil)
	h.wantSignedIn(c, "browser after a failed sign-out", true)
}

// TestSetPasswordRevokesTokens: a new password ends what the old one
// obtained: the refresh token issued before no longer works, and the
// access token is inactive.
func TestSetPasswordRevokesTokens(t *testing.T) {
	h, b := memoryHarness(t)
	c := h.browser()
	page := h.consentPage(c, authorizePath())
	r := h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}})
	tokens := h.exchange(r.location(t).Query().Get("code")).body
	if out := adminWithInput(t, b, "a new passw0rd\n", "user", "set-password", testUser); !strings.Contains(out, "tokens revoked") {
		t.Errorf("set-password printed %q, want the tokens reported revoked", out)
	}
	req, _ := http.NewRequest(http.MethodPost, h.url("/token"), strings.NewReader(url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {jsonField(t, tokens, "refresh_token")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testClient, h.secret)
	if got := do(t, http.DefaultClient, req); got.status != http.StatusBadRequest || jsonField(t, got.body, "error") != "invalid_grant" {
		t.Errorf("refresh after set-password: %d %s, want 400 invalid_grant", got.status, got.body)
	}
	tok, err := h.store.TokenByAccess(t.Context(), secret.Digest(jsonField(t, tokens, "access_token")))
	if err != nil || !tok.Revoked {
		t.Errorf("access token after set-password: got (%+v, %v), want it revoked", tok, err)
	}
}
