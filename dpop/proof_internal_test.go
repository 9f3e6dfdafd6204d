package dpop

import (
	"encoding/json"
	"testing"
	"time"
)

func TestNumericDate(t *testing.T) {
	tests := []struct {
		raw  string
		want time.Time
		ok   bool
	}{
		{"1700000000", time.Unix(1700000000, 0), true},
		{"1700000000.5", time.Unix(1700000000, 5e8), true},
		{"1.7e9", time.Unix(1700000000, 0), true},
		{"0", time.Unix(0, 0), true},
		{"-1", time.Time{}, false},
		{"-0", time.Unix(0, 0), true},
		{"1e400", time.Time{}, false},
		{"2e12", time.Time{}, false},
		{`"1700000000"`, time.Time{}, false},
		{"null", time.Time{}, false},
		{"true", time.Time{}, false},
		{"[1]", time.Time{}, false},
		{`{"a":1}`, time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, ok := numericDate(json.RawMessage(tt.raw))
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("numericDate(%s): got %v, %v, want %v, %v", tt.raw, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestSameURI runs the comparisons one after the other on one verifier,
// which keeps the last URI it normalized.
func TestSameURI(t *testing.T) {
	tests := []struct {
		htu, uri string
		want     bool
	}{
		{"https://as.example/token", "https://as.example/token", true},
		{"https://AS.example:443/token", "https://as.example/token", true},
		{"https://as.example/other", "https://as.example/token", false},
		{"https://as.example/token", "https://AS.example/a/../token?x", true},
		{"https://as.example/token", "https://as.example/token", true},
		{"ftp://as.example/token", "ftp://as.example/token", false},
		{"https://as.example/token", "ftp://as.example/token", false},
		{"https://user@as.example/token", "https://as.example/token", false},
		{"https://as.example/token", "https://as.example/token", true},
		{"", "", false},
	}
	v := NewVerifier(Config{})
	for _, tt := range tests {
		if got := v.sameURI(tt.htu, tt.uri); got != tt.want {
			t.Errorf("sameURI(%q, %q): got %v, want %v", tt.htu, tt.uri, got, tt.want)
		}
	}
}

func TestValidATH(t *testing.T) {
	tests := []struct {
		name, ath, token string
		want             bool
	}{
		{"hash of the token", ATH("tok-1"), "tok-1", true},
		{"hash of another token", ATH("tok-2"), "tok-1", false},
		{"padded", ATH("tok-1") + "=", "tok-1", false},
		{"truncated", ATH("tok-1")[:42], "tok-1", false},
		{"empty", "", "tok-1", false},
		{"RFC 9449 §7.1 example", "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo", "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidATH(tt.ath, tt.token); got != tt.want {
				t.Errorf("ValidATH(%q, %q): got %v, want %v", tt.ath, tt.token, got, tt.want)
			}
		})
	}
}
