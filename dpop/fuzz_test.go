package dpop_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/dpop"
	"github.com/grantry/grantry/keyset"
)

// FuzzVerify feeds arbitrary DPoP headers to the proof parser: every one
// is refused with invalid_dpop_proof or accepted, never a panic or
// another error.
func FuzzVerify(f *testing.F) {
	k := mustKey(f, keyset.ES256)
	good := mustSign(f, k, dpop.ProofClaims{Method: "POST", URI: tokenURL})
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add("eyJhbGciOiJub25lIn0.eyJ9.")
	f.Add("a.b.c")
	// The verifier remembers the header of good, so that proofs made from
	// it take the path of a remembered key.
	v := newVerifier(nil)
	r := httptest.NewRequest("POST", tokenURL, nil)
	r.Header["Dpop"] = []string{good}
	if _, err := v.Verify(f.Context(), r, tokenURL, ""); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, proof string) {
		r := httptest.NewRequest("POST", tokenURL, nil)
		r.Header["Dpop"] = []string{proof}
		p, err := v.Verify(t.Context(), r, tokenURL, "")
		if err == nil {
			if p.JKT == "" {
				t.Errorf("accepted proof %q without a thumbprint", proof)
			}
			return
		}
		var e *grantry.Error
		if !errors.As(err, &e) || e.Code != grantry.ErrInvalidDPoPProof {
			t.Errorf("Verify(%q): got error %v, want invalid_dpop_proof", proof, err)
		}
	})
}

// FuzzNormalizeURI checks that normalization is idempotent.
func FuzzNormalizeURI(f *testing.F) {
	for _, s := range []string{"https://as.example/token", "HTTP://A:80/./b/../%7e", "https://[::1]:443/%2f?x#y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		n, ok := dpop.NormalizeURI(uri)
		if !ok {
			return
		}
		if again, ok := dpop.NormalizeURI(n); !ok || again != n {
			t.Errorf("NormalizeURI(%q) = %q, then (%q, %v)", uri, n, again, ok)
		}
	})
}
