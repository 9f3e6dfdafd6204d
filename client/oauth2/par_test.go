package oauth2

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
)

// parServer answers pushed authorization requests with status and body,
// recording the last form and Authorization header.
type parServer struct {
	*httptest.Server
	status int
	body   string
	form   url.Values
	auth   string
}

func newPARServer(t *testing.T, status int, body string) *parServer {
	s := &parServer{status: status, body: body}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("ParseForm: %v", err)
		}
		s.form, s.auth = r.PostForm, r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(s.status)
		_, _ = w.Write([]byte(s.body))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *parServer) config() Config {
	return Config{
		ClientID: "c1", ClientSecret: "s1", RedirectURL: "https://client.test/cb", Scopes: []string{"profile"},
		AuthorizationEndpoint:              s.URL + "/authorize?tenant=a",
		PushedAuthorizationRequestEndpoint: s.URL + "/par",
		HTTPClient:                         s.Client(),
		Now:                                func() time.Time { return time.Unix(1_700_000_000, 0) },
	}
}

func TestPushAuthorizationRequest(t *testing.T) {
	s := newPARServer(t, http.StatusCreated, `{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}`)
	cfg := s.config()
	var hooked bool
	cfg.Hooks.PushRequest = func(*EndpointRequest) error { hooked = true; return nil }
	ar, err := newClient(t, cfg).PushAuthorizationRequest(bg, SetParam("prompt", "login"))
	if err != nil {
		t.Fatalf("PushAuthorizationRequest: %v", err)
	}
	want := s.URL + "/authorize?client_id=c1&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc&tenant=a"
	if ar.URL != want {
		t.Errorf("URL: got %q, want %q", ar.URL, want)
	}
	if ar.RequestURI != "urn:ietf:params:oauth:request_uri:abc" || !ar.ExpiresAt.Equal(time.Unix(1_700_000_060, 0)) {
		t.Errorf("got RequestURI %q, ExpiresAt %v, want the answer's, 60 s on", ar.RequestURI, ar.ExpiresAt)
	}
	f := s.form
	for name, want := range map[string]string{
		"response_type": "code", "client_id": "c1", "redirect_uri": "https://client.test/cb", "scope": "profile",
		"state": ar.State, "code_challenge": CodeChallenge(PKCES256, ar.CodeVerifier), "code_challenge_method": "S256", "prompt": "login",
	} {
		if got := f.Get(name); got != want || want == "" {
			t.Errorf("pushed %s: got %q, want %q", name, got, want)
		}
	}
	if !strings.HasPrefix(s.auth, "Basic ") || f.Has("client_secret") {
		t.Errorf("got Authorization %q and form %v, want Basic authentication", s.auth, f)
	}
	if !hooked {
		t.Error("PushRequest hook: not called")
	}
}

func TestPushAuthorizationRequestErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		code   grantry.ErrorCode // or ErrPushResponse when empty
	}{
		{"error answer", 400, `{"error":"invalid_request","error_description":"bad redirect_uri"}`, grantry.ErrInvalidRequest},
		{"client authentication", 401, `{"error":"invalid_client"}`, grantry.ErrInvalidClient},
		{"200 instead of 201", 200, `{"request_uri":"urn:x","expires_in":60}`, grantry.ErrorCode("")},
		{"no request_uri", 201, `{"expires_in":60}`, ""},
		{"no expires_in", 201, `{"request_uri":"urn:x"}`, ""},
		{"negative expires_in", 201, `{"request_uri":"urn:x","expires_in":-1}`, ""},
		{"request_uri not a string", 201, `{"request_uri":1,"expires_in":60}`, ""},
		{"not JSON", 201, `request_uri=urn:x`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newPARServer(t, tc.status, tc.body)
			_, err := newClient(t, s.config()).PushAuthorizationRequest(bg)
			var oe *Error
			switch {
			case tc.code != "":
				if !errors.As(err, &oe) || oe.Code != tc.code || oe.StatusCode != tc.status {
					t.Errorf("got %v, want %s with status %d", err, tc.code, tc.status)
				}
			case tc.status == 201:
				if !errors.Is(err, ErrPushResponse) {
					t.Errorf("got %v, want ErrPushResponse", err)
				}
			default:
				if err == nil {
					t.Error("got nil error, want one")
				}
			}
		})
	}
	t.Run("no endpoint", func(t *testing.T) {
		cfg := newPARServer(t, 201, "").config()
		cfg.PushedAuthorizationRequestEndpoint = ""
		if _, err := newClient(t, cfg).PushAuthorizationRequest(bg); !errors.Is(err, ErrNoEndpoint) {
			t.Errorf("got %v, want ErrNoEndpoint", err)
		}
	})
}

func FuzzParsePushResponse(f *testing.F) {
	f.Add([]byte(`{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}`))
	f.Add([]byte(`{"request_uri":"","expires_in":1e99}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parsePushResponse(body)
		if err != nil {
			if !errors.Is(err, ErrPushResponse) {
				t.Fatalf("got %v, want ErrPushResponse", err)
			}
			return
		}
		if p.RequestURI == "" || p.ExpiresIn <= 0 {
			t.Fatalf("accepted %+v", p)
		}
	})
}
