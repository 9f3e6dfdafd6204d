package authserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"unicode/utf8"
)

// TestErrorBodyIsUTF8 sends a state that is not UTF-8 with requests whose
// errors are answered in a JSON body. The body must still be UTF-8
// (RFC 8259 §8.1; the response says charset=UTF-8), and state must be
// echoed as the JSON string that decodes to the replacement character or
// be dropped.
func TestErrorBodyIsUTF8(t *testing.T) {
	tests := []struct {
		name   string
		method string
		query  string
		body   string
	}{
		{"missing client_id", http.MethodGet, "state=%F0", ""},
		{"unknown client", http.MethodGet, "client_id=nobody&state=%FF%FE", ""},
		{"unregistered redirect_uri", http.MethodGet, "client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fevil.test%2F&state=a%C3", ""},
		{"state in a POST body", http.MethodPost, "", "state=%F0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newHarness(t, false)
			rec := httptest.NewRecorder()
			r := fzRequest(tt.method, "/authorize", tt.query, "application/x-www-form-urlencoded", "", tt.body)
			g.handler.ServeHTTP(rec, r)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", rec.Code)
			}
			raw := rec.Body.Bytes()
			if !utf8.Valid(raw) {
				t.Errorf("body %q is not UTF-8", raw)
			}
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("body %q: %v", raw, err)
			}
			if s, ok := doc["state"].(string); ok && !utf8.ValidString(s) {
				t.Errorf("state decodes to %q, not UTF-8", s)
			}
		})
	}
}

// TestEmptyClientSecretCountsAsOmitted: "Parameters sent without a value
// MUST be treated as if they were omitted from the request" (RFC 6749
// §3.2). A public client that sends client_secret= is a client sending
// client_id alone, and a confidential client using client_secret_basic
// that also sends client_secret= uses one method only.
func TestEmptyClientSecretCountsAsOmitted(t *testing.T) {
	tests := []struct {
		name          string
		authorization string
		form          url.Values
	}{
		{"public client", "", url.Values{
			"grant_type": {"refresh_token"}, "refresh_token": {fzRefreshNative},
			"client_id": {"native"}, "client_secret": {""},
		}},
		{"basic client", fzBasic("web", "web-secret"), url.Values{
			"grant_type": {"refresh_token"}, "refresh_token": {fzRefreshWeb},
			"client_secret": {""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newHarness(t, false)
			fzSeed(t, g)
			rec := httptest.NewRecorder()
			r := fzRequest(http.MethodPost, "/token", "", "application/x-www-form-urlencoded", tt.authorization, tt.form.Encode())
			g.as.ServeToken(rec, r)
			if rec.Code != http.StatusOK {
				t.Errorf("status %d, body %s; want 200", rec.Code, rec.Body.Bytes())
			}
		})
	}
}
