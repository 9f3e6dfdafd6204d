package devicecode_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// BenchmarkPollPending measures a device's poll before the decision
// through the whole token endpoint, over the memory store: client
// authentication, the atomic poll, and the error answer.
func BenchmarkPollPending(b *testing.B) {
	f := newFixture(b)
	da := f.start(clientCLI, "profile")
	body := url.Values{"client_id": {clientCLI}, "grant_type": {deviceGrant}, "device_code": {da.DeviceCode}}.Encode()
	b.ReportAllocs()
	for b.Loop() {
		f.clock.Advance(6 * time.Second)
		r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		f.mux.ServeHTTP(w, r)
		if w.Code != http.StatusBadRequest {
			b.Fatalf("got %d, want 400 authorization_pending", w.Code)
		}
	}
}

// BenchmarkStart measures the device authorization endpoint for a public
// client over the memory store.
func BenchmarkStart(b *testing.B) {
	f := newFixture(b)
	body := url.Values{"client_id": {clientCLI}, "scope": {"profile"}}.Encode()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/device_authorization", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		f.mux.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("got %d, want 200", w.Code)
		}
	}
}
