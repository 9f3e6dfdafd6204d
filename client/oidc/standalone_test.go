package oidc

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client/oauth2"
)

// TestFetchMetadataWithoutKeys reads the metadata of an OAuth 2.0 server
// that publishes no jwks_uri, which a Provider refuses.
func TestFetchMetadataWithoutKeys(t *testing.T) {
	o := newOP(t)
	o.setMeta("jwks_uri", nil)
	u, err := WellKnownOAuth(o.URL + "/tenant")
	if err != nil {
		t.Fatal(err)
	}
	o.setMeta("issuer", o.URL+"/tenant")
	cfg := ProviderConfig{HTTPClient: o.Client()}
	meta, err := FetchMetadata(bg, u, o.URL+"/tenant", cfg)
	if err != nil {
		t.Fatalf("FetchMetadata: %v", err)
	}
	if meta.TokenEndpoint != o.URL+"/token" || meta.JWKSURI != "" {
		t.Errorf("got token endpoint %q and jwks_uri %q, want %q and none", meta.TokenEndpoint, meta.JWKSURI, o.URL+"/token")
	}
	if _, err := DiscoverFrom(bg, u, o.URL+"/tenant", cfg); !errors.Is(err, ErrMetadata) {
		t.Errorf("DiscoverFrom without keys: got error %v, want ErrMetadata", err)
	}
	if _, err := FetchMetadata(bg, u, o.URL, cfg); !errors.Is(err, ErrIssuerMismatch) {
		t.Errorf("FetchMetadata with another issuer: got error %v, want ErrIssuerMismatch", err)
	}
	if _, err := FetchMetadata(bg, "http://op.example/.well-known/oauth-authorization-server", "", cfg); err == nil {
		t.Error("FetchMetadata over http on a public host: got no error, want one")
	}
}

func TestReadUserInfo(t *testing.T) {
	fix := func(c map[string]any) (map[string]any, error) {
		if id, ok := c["id"]; ok {
			c["sub"] = fmt.Sprint(id) // a json.Number
		}
		return c, nil
	}
	tests := []struct {
		name     string
		status   int
		header   http.Header
		body     string
		subject  string
		wantSub  string
		wantErr  error
		wantCode grantry.ErrorCode
	}{
		{name: "GitHub-style user fixed", status: 200, body: `{"id":42,"login":"octocat"}`, wantSub: "42"},
		{name: "subject checked", status: 200, body: `{"sub":"a"}`, subject: "b", wantErr: ErrSubject},
		{name: "no sub", status: 200, body: `{"login":"octocat"}`, wantErr: ErrUserInfo},
		{name: "bearer challenge", status: 401, header: http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}}, wantCode: grantry.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &closeRecorder{Reader: strings.NewReader(tt.body)}
			resp := &http.Response{StatusCode: tt.status, Header: tt.header, Body: body}
			if resp.Header == nil {
				resp.Header = http.Header{"Content-Type": {"application/json"}}
			}
			u, err := ReadUserInfo(resp, tt.subject, fix)
			if !body.closed {
				t.Error("body not closed")
			}
			var oe *oauth2.Error
			switch {
			case tt.wantCode != "":
				if !errors.As(err, &oe) || oe.Code != tt.wantCode {
					t.Errorf("got error %v, want *oauth2.Error %q", err, tt.wantCode)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("got error %v, want %v", err, tt.wantErr)
				}
			case err != nil || u.Subject != tt.wantSub:
				t.Errorf("got %+v, %v; want sub %q", u, err, tt.wantSub)
			}
		})
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }
