package tokenexchange_test

import (
	"strings"
	"testing"

	"github.com/grantry/grantry/grant/tokenexchange"
	"github.com/grantry/grantry/internal/golden"
)

// The answers of RFC 8693 §2.2.1 and §2.2.2 on the wire, the access
// token replaced by ACCESS_TOKEN.
func TestExchangeGolden(t *testing.T) {
	f := newFixture(t, tokenexchange.Config{})
	tests := []struct {
		name   string
		client string
		set    map[string]string // parameters set, or removed when ""
	}{
		{"response", "app", map[string]string{"scope": "read", "audience": "orders"}},
		{"error_invalid_target", "app", map[string]string{"audience": "payroll"}},
		{"error_missing_subject_token_type", "app", map[string]string{"subject_token_type": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := subject("at-alice", typeAT)
			for k, v := range tt.set {
				if v == "" {
					params.Del(k)
				} else {
					params.Set(k, v)
				}
			}
			w, body := f.exchange(t, tt.client, params)
			got := w.Body.String()
			if tok, ok := body["access_token"].(string); ok {
				got = strings.Replace(got, tok, "ACCESS_TOKEN", 1)
			}
			golden.Check(t, "exchange_"+tt.name, []byte(got+"\n"))
		})
	}
}
