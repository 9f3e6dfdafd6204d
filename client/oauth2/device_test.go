package oauth2

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/grant/devicecode"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// deviceServer is an authorization server with the device grant, on a
// clock the client's waits move.
type deviceServer struct {
	clock *authtest.Clock
	grant *devicecode.Grant
	url   string
}

func newDeviceServer(t *testing.T) *deviceServer {
	t.Helper()
	store := memstore.New()
	err := store.CreateClient(t.Context(), &storage.Client{
		ID: "tv", AuthMethod: grantry.AuthNone, Scope: grantry.Scope{"profile"},
		GrantTypes: []grantry.GrantType{grantry.GrantDeviceCode},
	})
	if err != nil {
		t.Fatal(err)
	}
	clock := authtest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	srv, err := authserver.New(authserver.Config{Clients: store, Tokens: store, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	g, err := devicecode.New(store, devicecode.Config{VerificationURI: "https://as.example/device"})
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterGrant(g)
	mux := http.NewServeMux()
	mux.Handle("POST /device", srv.Mount(g.AuthorizationEndpoint()))
	mux.HandleFunc("POST /token", srv.ServeToken)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &deviceServer{clock: clock, grant: g, url: hs.URL}
}

// client returns a device client whose waits are recorded and move the
// clock by advance(i, d) for the i-th wait of d (d itself when nil),
// after calling onWait.
func (s *deviceServer) client(t *testing.T, waits *[]time.Duration, onWait func(i int), advance func(i int, d time.Duration) time.Duration) *Client {
	t.Helper()
	c, err := New(Config{
		ClientID: "tv", TokenEndpoint: s.url + "/token", DeviceAuthorizationEndpoint: s.url + "/device",
		Scopes: []string{"profile"}, Now: s.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.waitFor = func(ctx context.Context, d time.Duration) error {
		i := len(*waits)
		*waits = append(*waits, d)
		if onWait != nil {
			onWait(i)
		}
		if advance != nil {
			d = advance(i, d)
		}
		s.clock.Advance(d)
		return ctx.Err()
	}
	return c
}

func sameWaits(got, want []time.Duration) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// TestDeviceFlow runs DeviceAuthorization and PollDeviceToken against a
// grantry server through each way the flow ends.
func TestDeviceFlow(t *testing.T) {
	const s = time.Second
	tests := []struct {
		name     string
		decide   int    // the wait at which the user decides; -1 never
		deny     bool   // the decision
		early    int    // the wait that lasts two seconds less; -1 none
		noExpiry bool   // the client does not know the expiry
		ending   string // "" for a token, else the error
		waits    []time.Duration
	}{
		{name: "approved", decide: 2, early: -1, waits: []time.Duration{5 * s, 5 * s, 5 * s}},
		{name: "slow down", decide: 3, early: 1, waits: []time.Duration{5 * s, 5 * s, 10 * s, 10 * s}},
		{name: "denied", decide: 1, deny: true, early: -1, ending: "denied", waits: []time.Duration{5 * s, 5 * s}},
		{name: "expired by the clock", decide: -1, early: -1, ending: "expired", waits: make([]time.Duration, 120)},
		{name: "expired by the server", decide: -1, early: -1, noExpiry: true, ending: "expired server", waits: make([]time.Duration, 120)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newDeviceServer(t)
			var waits []time.Duration
			var da *DeviceAuth
			decide := func(i int) {
				if i != tc.decide {
					return
				}
				var err error
				if tc.deny {
					err = srv.grant.Deny(t.Context(), da.UserCode, srv.clock.Now())
				} else {
					_, err = srv.grant.Approve(t.Context(), da.UserCode, &authserver.Consent{Subject: "alice"}, srv.clock.Now())
				}
				if err != nil {
					t.Errorf("decision: %v", err)
				}
			}
			early := func(i int, d time.Duration) time.Duration {
				if i == tc.early {
					return d - 2*s
				}
				return d
			}
			c := srv.client(t, &waits, decide, early)
			var err error
			if da, err = c.DeviceAuthorization(t.Context()); err != nil {
				t.Fatalf("DeviceAuthorization: %v", err)
			}
			if da.Interval != 5*s || !da.ExpiresAt.Equal(srv.clock.Now().Add(10*time.Minute)) || da.VerificationURIComplete == "" {
				t.Errorf("device authorization: got %+v, want a 5 s interval and a ten-minute expiry", da)
			}
			if tc.noExpiry {
				da.ExpiresAt = time.Time{}
			}
			tok, err := c.PollDeviceToken(t.Context(), da)
			checkEnding(t, tok, err, tc.ending)
			if tc.ending == "" && c.current() != tok {
				t.Error("the client does not hold the token")
			}
			if tc.ending != "expired" && tc.ending != "expired server" && !sameWaits(waits, tc.waits) {
				t.Errorf("waits: got %v, want %v", waits, tc.waits)
			}
		})
	}
}

func checkEnding(t *testing.T, tok *Token, err error, ending string) {
	t.Helper()
	var e *Error
	switch ending {
	case "":
		if err != nil || tok.AccessToken == "" || tok.Scope != "profile" {
			t.Errorf("got %+v, %v; want a token of scope profile", tok, err)
		}
	case "denied":
		if !errors.Is(err, ErrDeviceDenied) || !errors.As(err, &e) || e.Code != grantry.ErrAccessDenied {
			t.Errorf("got %v, want ErrDeviceDenied wrapping access_denied", err)
		}
	case "expired":
		if !errors.Is(err, ErrDeviceExpired) || errors.As(err, &e) {
			t.Errorf("got %v, want ErrDeviceExpired from the clock, no server error", err)
		}
	case "expired server":
		if !errors.Is(err, ErrDeviceExpired) || !errors.As(err, &e) || e.Code != grantry.ErrExpiredToken {
			t.Errorf("got %v, want ErrDeviceExpired wrapping expired_token", err)
		}
	}
}

func TestDeviceFlowCancelled(t *testing.T) {
	srv := newDeviceServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	var waits []time.Duration
	c := srv.client(t, &waits, func(i int) {
		if i == 1 {
			cancel()
		}
	}, nil)
	da, err := c.DeviceAuthorization(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PollDeviceToken(ctx, da); !errors.Is(err, context.Canceled) || len(waits) != 2 {
		t.Errorf("got %v after %d waits, want context.Canceled after 2", err, len(waits))
	}
	t.Run("timer", func(t *testing.T) {
		c.waitFor = nil
		start := time.Now()
		if err := c.wait(ctx, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) > time.Minute {
			t.Errorf("wait on a cancelled context: got %v, want context.Canceled at once", err)
		}
	})
}

func TestDeviceAuthorizationErrors(t *testing.T) {
	srv := newDeviceServer(t)
	c, err := New(Config{ClientID: "tv", DeviceAuthorizationEndpoint: srv.url + "/device", Scopes: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	var e *Error
	if _, err := c.DeviceAuthorization(t.Context()); !errors.As(err, &e) || e.Code != grantry.ErrInvalidScope || e.StatusCode != 400 {
		t.Errorf("scope beyond the client's: got %v, want invalid_scope", err)
	}
	c, _ = New(Config{ClientID: "tv"})
	if _, err := c.DeviceAuthorization(t.Context()); !errors.Is(err, ErrNoEndpoint) {
		t.Errorf("no endpoint: got %v, want ErrNoEndpoint", err)
	}
	if _, err := New(Config{DeviceAuthorizationEndpoint: "http://as.example/device"}); err == nil {
		t.Error("an http endpoint off loopback: got no error")
	}
}

func TestParseDeviceAuth(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	const ok = `"device_code":"d","user_code":"BCDF-GHJK","verification_uri":"https://as.example/device","expires_in":600`
	tests := []struct {
		name     string
		body     string
		interval time.Duration // 0 when refused
		uri      string
	}{
		{"complete", `{` + ok + `,"interval":7,"verification_uri_complete":"https://as.example/device?user_code=BCDF-GHJK"}`, 7 * time.Second, "https://as.example/device"},
		{"no interval", `{` + ok + `}`, DefaultDeviceInterval, "https://as.example/device"},
		{"zero interval", `{` + ok + `,"interval":0}`, DefaultDeviceInterval, "https://as.example/device"},
		{"verification_url", `{"device_code":"d","user_code":"u","verification_url":"https://old.example","expires_in":60}`, DefaultDeviceInterval, "https://old.example"},
		{"negative interval", `{` + ok + `,"interval":-1}`, 0, ""},
		{"huge interval", `{` + ok + `,"interval":3600}`, 0, ""},
		{"no device_code", `{"user_code":"u","verification_uri":"https://as.example","expires_in":60}`, 0, ""},
		{"no user_code", `{"device_code":"d","verification_uri":"https://as.example","expires_in":60}`, 0, ""},
		{"no verification_uri", `{"device_code":"d","user_code":"u","expires_in":60}`, 0, ""},
		{"no expires_in", `{"device_code":"d","user_code":"u","verification_uri":"https://as.example"}`, 0, ""},
		{"string expires_in", `{"device_code":"d","user_code":"u","verification_uri":"https://as.example","expires_in":"60"}`, 0, ""},
		{"not JSON", `device_code=d`, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			da, err := parseDeviceAuth([]byte(tc.body), now)
			if tc.interval == 0 {
				if !errors.Is(err, ErrDeviceResponse) {
					t.Errorf("got %+v, %v; want ErrDeviceResponse", da, err)
				}
				return
			}
			if err != nil || da.Interval != tc.interval || da.VerificationURI != tc.uri || da.ExpiresAt.Before(now) {
				t.Errorf("got %+v, %v; want interval %v and URI %q", da, err, tc.interval, tc.uri)
			}
		})
	}
}

// timeout is a network error that timed out.
type timeout struct{}

func (timeout) Error() string   { return "i/o timeout" }
func (timeout) Timeout() bool   { return true }
func (timeout) Temporary() bool { return true }

func TestNextInterval(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want time.Duration // 0: stop
		stop error
	}{
		{"pending", &Error{Code: grantry.ErrAuthorizationPending}, 5 * time.Second, nil},
		{"slow down", &Error{Code: grantry.ErrSlowDown}, 10 * time.Second, nil},
		{"timeout", errors.Join(errors.New("oauth2"), timeout{}), 10 * time.Second, nil},
		{"denied", &Error{Code: grantry.ErrAccessDenied}, 0, ErrDeviceDenied},
		{"expired", &Error{Code: grantry.ErrExpiredToken}, 0, ErrDeviceExpired},
		{"invalid grant", &Error{Code: grantry.ErrInvalidGrant}, 0, grantry.ErrInvalidGrant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := nextInterval(5*time.Second, tc.err)
			if got != tc.want || (tc.stop == nil) != (err == nil) || (tc.stop != nil && !errors.Is(err, tc.stop)) {
				t.Errorf("got %v, %v; want %v, %v", got, err, tc.want, tc.stop)
			}
		})
	}
}
