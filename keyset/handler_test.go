package keyset

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestHandler(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("testdata", "jwks.golden"))
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Set: goldenSet(t)}
	etag := etagOf(golden)
	tests := []struct {
		name         string
		handler      *Handler
		method       string
		ifNoneMatch  string
		wantStatus   int
		wantBody     string
		wantCache    string
		wantAllow    string
		wantType     string
		wantETagSent bool
	}{
		{name: "get", handler: h, method: "GET", wantStatus: 200, wantBody: string(golden), wantCache: "public, max-age=300", wantType: "application/jwk-set+json", wantETagSent: true},
		{name: "head", handler: h, method: "HEAD", wantStatus: 200, wantBody: "", wantCache: "public, max-age=300", wantType: "application/jwk-set+json", wantETagSent: true},
		{name: "custom max age", handler: &Handler{Set: h.Set, MaxAge: time.Hour}, method: "GET", wantStatus: 200, wantBody: string(golden), wantCache: "public, max-age=3600", wantType: "application/jwk-set+json", wantETagSent: true},
		{name: "not modified", handler: h, method: "GET", ifNoneMatch: `"other", W/` + etag, wantStatus: 304, wantCache: "public, max-age=300", wantETagSent: true},
		{name: "modified", handler: h, method: "GET", ifNoneMatch: `"other"`, wantStatus: 200, wantBody: string(golden), wantCache: "public, max-age=300", wantType: "application/jwk-set+json", wantETagSent: true},
		{name: "post", handler: h, method: "POST", wantStatus: 405, wantAllow: "GET, HEAD", wantBody: "method not allowed\n"},
		{name: "nil set", handler: &Handler{}, method: "GET", wantStatus: 200, wantBody: `{"keys":[]}`, wantCache: "public, max-age=300", wantType: "application/jwk-set+json", wantETagSent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/jwks", nil)
			if tt.ifNoneMatch != "" {
				req.Header.Set("If-None-Match", tt.ifNoneMatch)
			}
			rec := httptest.NewRecorder()
			tt.handler.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			if got := rec.Header().Get("Cache-Control"); got != tt.wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.wantCache)
			}
			if got := rec.Header().Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			if tt.wantType != "" && rec.Header().Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", rec.Header().Get("Content-Type"), tt.wantType)
			}
			if got := rec.Header().Get("ETag") != ""; got != tt.wantETagSent {
				t.Errorf("ETag sent = %v, want %v", got, tt.wantETagSent)
			}
		})
	}
}

func TestHandlerFollowsRotation(t *testing.T) {
	s := goldenSet(t)
	h := &Handler{Set: s}
	get := func() (string, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/jwks", nil))
		return rec.Body.String(), rec.Header().Get("ETag")
	}
	body1, etag1 := get()
	if err := s.Remove(s.JWKS().Keys[1].KeyID); err != nil {
		t.Fatal(err)
	}
	body2, etag2 := get()
	if body1 == body2 || etag1 == etag2 {
		t.Error("document and ETag did not change after a key was removed")
	}
	set, err := ParseJWKS([]byte(body2))
	if err != nil || len(set.Keys) != 3 {
		t.Errorf("served set after removal has %v keys (err %v), want 3", set, err)
	}
}
