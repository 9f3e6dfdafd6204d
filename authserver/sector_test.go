package authserver_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/storage"
)

func TestSectorIdentifier(t *testing.T) {
	tests := []struct {
		name      string
		sector    string
		redirects []string
		want      string
		wantErr   string
	}{
		{"sector URI wins", "https://Sector.Example:8443/s.json", []string{"https://a.example/cb", "https://b.example/cb"}, "sector.example", ""},
		{"one redirect host", "", []string{"https://app.example/cb"}, "app.example", ""},
		{"one host, several paths and ports", "", []string{"https://APP.example/a", "https://app.example:8443/b"}, "app.example", ""},
		{"several hosts", "", []string{"https://a.example/cb", "https://b.example/cb"}, "", "several hosts"},
		{"no redirect URI", "", nil, "", "no redirect URI"},
		{"private-use scheme", "", []string{"com.example.app:/cb"}, "", "names no host"},
		{"sector URI without host", "https:///s.json", nil, "", "names no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &storage.Client{ID: "app", SectorIdentifierURI: tt.sector, RedirectURIs: tt.redirects}
			got, err := authserver.SectorIdentifier(c)
			if got != tt.want || !errorHas(err, tt.wantErr) {
				t.Errorf("SectorIdentifier: got (%q, %v), want (%q, error with %q)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestSectorIdentifierSeveralHosts(t *testing.T) {
	c := &storage.Client{RedirectURIs: []string{"https://a.example/cb", "https://b.example/cb"}}
	if _, err := authserver.SectorIdentifier(c); !errors.Is(err, authserver.ErrSeveralSectorHosts) {
		t.Errorf("SectorIdentifier: got error %v, want ErrSeveralSectorHosts", err)
	}
}

// errorHas reports whether err has want in its message, or is nil when
// want is empty.
func errorHas(err error, want string) bool {
	if want == "" {
		return err == nil
	}
	return err != nil && strings.Contains(err.Error(), want)
}

func TestCheckSectorIdentifierURI(t *testing.T) {
	srv := httptest.NewTLSServer(sectorDocuments())
	t.Cleanup(srv.Close)
	other := httptest.NewTLSServer(sectorDocuments())
	t.Cleanup(other.Close)
	plain := httptest.NewServer(sectorDocuments())
	t.Cleanup(plain.Close)
	both := []string{"https://app.example/cb", "https://app.example/other"}
	tests := []struct {
		name      string
		uri       string
		redirects []string
		wantErr   string
	}{
		{"lists every redirect URI", srv.URL + "/both", both, ""},
		{"lists more", srv.URL + "/more", both, ""},
		{"no sector URI", "", both, ""},
		{"misses one", srv.URL + "/one", both, `does not list the redirect URI "https://app.example/other"`},
		{"compared exactly", srv.URL + "/slash", both, "does not list"},
		{"not found", srv.URL + "/missing", both, "got HTTP status 404"},
		{"object", srv.URL + "/object", both, "not a JSON array of strings"},
		{"numbers", srv.URL + "/numbers", both, "not a JSON array of strings"},
		{"null", srv.URL + "/null", both, "not a JSON array of strings"},
		{"trailing data", srv.URL + "/trailing", both, "not a JSON array of strings"},
		{"too large", srv.URL + "/large", both, "larger than 65536 bytes"},
		{"at the size limit", srv.URL + "/limit", both, ""},
		{"same-origin redirect", srv.URL + "/here", both, ""},
		{"cross-origin redirect", srv.URL + "/away?to=" + other.URL + "/both", both, "got HTTP status 302"},
		{"http", plain.URL + "/both", both, "want an https URL"},
		{"fragment", srv.URL + "/both#x", both, "want an https URL"},
		{"unreachable", "https://127.0.0.1:1/both", both, "sector_identifier_uri"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &storage.Client{SectorIdentifierURI: tt.uri, RedirectURIs: tt.redirects}
			err := authserver.CheckSectorIdentifierURI(t.Context(), srv.Client(), c)
			if !errorHas(err, tt.wantErr) {
				t.Errorf("CheckSectorIdentifierURI: got error %v, want error with %q", err, tt.wantErr)
			}
		})
	}
}

// sectorDocuments serves the sector identifier documents of
// TestCheckSectorIdentifierURI.
func sectorDocuments() http.Handler {
	docs := map[string]string{
		"/both":     `["https://app.example/cb", "https://app.example/other"]`,
		"/more":     `["https://app.example/x", "https://app.example/other", "https://app.example/cb"]`,
		"/one":      `["https://app.example/cb"]`,
		"/slash":    `["https://app.example/cb/", "https://app.example/other"]`,
		"/object":   `{"redirect_uris": ["https://app.example/cb"]}`,
		"/numbers":  `[1, 2]`,
		"/null":     `null`,
		"/trailing": `["https://app.example/cb", "https://app.example/other"] []`,
		"/large":    padded(64<<10 + 1),
		"/limit":    padded(64 << 10),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/here":
			http.Redirect(w, r, "/both", http.StatusFound)
			return
		case "/away":
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
			return
		}
		doc, ok := docs[r.URL.Path]
		if !ok || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(doc))
	})
}

// padded returns a sector identifier document of n bytes listing the
// redirect URIs of TestCheckSectorIdentifierURI.
func padded(n int) string {
	doc := `["https://app.example/cb", "https://app.example/other", "`
	return doc + strings.Repeat("x", n-len(doc)-2) + `"]`
}

func TestCheckSectorIdentifierURICanceled(t *testing.T) {
	srv := httptest.NewTLSServer(sectorDocuments())
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c := &storage.Client{SectorIdentifierURI: srv.URL + "/both", RedirectURIs: []string{"https://app.example/cb"}}
	if err := authserver.CheckSectorIdentifierURI(ctx, srv.Client(), c); !errors.Is(err, context.Canceled) {
		t.Errorf("CheckSectorIdentifierURI with a canceled context: got error %v, want context.Canceled", err)
	}
}
