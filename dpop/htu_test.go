package dpop_test

import (
	"testing"

	"github.com/grantry/grantry/dpop"
)

func TestNormalizeURI(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"https://as.example/token", "https://as.example/token", true},
		{"HTTPS://AS.Example:443/token?x=1#frag", "https://as.example/token", true},
		{"http://as.example:80/token", "http://as.example/token", true},
		{"http://as.example:8080/token", "http://as.example:8080/token", true},
		{"https://as.example", "https://as.example/", true},
		{"https://as.example:/a", "https://as.example/a", true},
		{"https://as.example/a/./b/../c", "https://as.example/a/c", true},
		{"https://as.example/a/..", "https://as.example/", true},
		{"https://as.example/%7euser/%2f", "https://as.example/~user/%2F", true},
		{"https://[::1]:443/t", "https://[::1]/t", true},
		{"https://as.example/%zz", "", false},
		{"https://as.example/%4", "", false},
		{"/token", "", false},
		{"ftp://as.example/token", "", false},
		{"https://user@as.example/token", "", false},
		{"mailto:a@b", "", false},
		{"", "", false},
		{"HTTP://:", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := dpop.NormalizeURI(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("NormalizeURI(%q): got (%q, %v), want (%q, %v)", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
