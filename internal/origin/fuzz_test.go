package origin_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry/internal/origin"
)

var reasons = []error{origin.ErrMalformed, origin.ErrNotAbsolute, origin.ErrFragment, origin.ErrUserInfo, origin.ErrNotHTTPS}

// FuzzParseSecure checks the invariants of ParseSecure on any input:
// nothing panics; the answer is the same each time; an error wraps
// exactly one of the reasons; an accepted URL has a host, no fragment
// and no user, and uses https, or http on a loopback host or with
// insecure; insecure only ever accepts more; and the accepted URL,
// written out again, is accepted again with the same host.
func FuzzParseSecure(f *testing.F) {
	for _, raw := range []string{
		"https://as.test/token?a=b", "http://127.0.0.1:9000/cb", "http://[::1]/cb",
		"http://localhost/cb", "http://as.test/", "https://as.test/#", "https://u@as.test/",
		"http://127.0.0.1:80@evil.test/", "com.example.app:/cb", "/cb", "", "https://as.test/%zz",
		"http://[::ffff:127.0.0.1]/", "HTTP://LOCALHOST:1/", "http://[::1%25lo]/", "https:as.test",
	} {
		f.Add(raw, false)
		f.Add(raw, true)
	}
	f.Fuzz(func(t *testing.T, raw string, insecure bool) {
		u, err := origin.ParseSecure(raw, insecure)
		u2, err2 := origin.ParseSecure(raw, insecure)
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() || u != nil && u.String() != u2.String() {
			t.Fatalf("%q: got %v, %v then %v, %v; want the same answer", raw, u, err, u2, err2)
		}
		if err != nil {
			checkReason(t, raw, err)
			return
		}
		checkAccepted(t, raw, u, insecure)
		if _, err := origin.ParseSecure(raw, true); err != nil {
			t.Errorf("%q: accepted, but refused with insecure: %v", raw, err)
		}
		again, err := origin.ParseSecure(u.String(), insecure)
		if err != nil || !strings.EqualFold(again.Hostname(), u.Hostname()) {
			t.Errorf("%q: written out as %q, got %v, %v; want it accepted with host %q", raw, u, again, err, u.Hostname())
		}
	})
}

func checkReason(t *testing.T, raw string, err error) {
	t.Helper()
	n := 0
	for _, r := range reasons {
		if errors.Is(err, r) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%q: got error %v wrapping %d reasons, want 1", raw, err, n)
	}
}

func checkAccepted(t *testing.T, raw string, u *url.URL, insecure bool) {
	t.Helper()
	switch host := u.Hostname(); {
	case host == "":
		t.Errorf("%q: accepted without a host", raw)
	case strings.Contains(raw, "#") || u.Fragment != "" || u.RawFragment != "":
		t.Errorf("%q: accepted with a fragment", raw)
	case u.User != nil:
		t.Errorf("%q: accepted with user information", raw)
	case u.Scheme == "https":
	case u.Scheme == "http" && (insecure || origin.Loopback(host)):
	default:
		t.Errorf("%q: accepted with scheme %q on host %q, insecure %v", raw, u.Scheme, host, insecure)
	}
}
