package authserver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
)

// A client that goes away is not a server error: WriteError records 499,
// logs the request as cancelled and reports no failure to Events.
func TestWriteErrorCancelled(t *testing.T) {
	tests := []struct {
		name       string
		cancel     bool
		err        error
		wantStatus int
		wantLog    string
		wantFailed bool
	}{
		{"client gone", true, fmt.Errorf("sqlstore: create token: %w", context.Canceled), authserver.StatusClientClosedRequest, "request cancelled by the client", false},
		{"cancelled inside, client still there", false, fmt.Errorf("lookup: %w", context.Canceled), http.StatusInternalServerError, "oauth request failed", true},
		{"client gone, other fault", true, fmt.Errorf("disk full"), http.StatusInternalServerError, "oauth request failed", true},
		{"client gone, client's mistake", true, grantry.ErrInvalidGrant, http.StatusBadRequest, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var failed bool
			f := newFixture(t, func(s *fixtureSetup) {
				s.Config.Events.Failed = func(*http.Request, *grantry.Error) { failed = true }
			})
			ctx, cancel := context.WithCancel(t.Context())
			if tt.cancel {
				cancel()
			}
			defer cancel()
			r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/token", nil)
			w := httptest.NewRecorder()
			f.srv.WriteError(w, r, tt.err)
			if w.Code != tt.wantStatus {
				t.Errorf("status: got %d, want %d", w.Code, tt.wantStatus)
			}
			if failed != tt.wantFailed {
				t.Errorf("Events.Failed called: got %v, want %v", failed, tt.wantFailed)
			}
			if logs := f.logs.String(); tt.wantLog != "" && !strings.Contains(logs, tt.wantLog) {
				t.Errorf("log: got %q, want it to hold %q", logs, tt.wantLog)
			}
			if tt.wantStatus == authserver.StatusClientClosedRequest && strings.Contains(f.logs.String(), "level=ERROR") {
				t.Errorf("a cancelled request was logged at ERROR: %q", f.logs.String())
			}
		})
	}
}
