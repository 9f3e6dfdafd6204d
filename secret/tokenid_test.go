package secret_test

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
)

// plainDigest is the base64url SHA-256 of s, computed apart from Digest.
func plainDigest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// withID matches the tokens whose digest keeps their ID in front.
var withID = regexp.MustCompile(`^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$`)

func TestTokenWithID(t *testing.T) {
	id := secret.OrderedID(time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC))
	tests := []struct {
		name, id string
		wantID   bool
	}{
		{"ordered ID", id, true},
		{"random ID", secret.ID(), true},
		{"short ID", id[:21], false},
		{"long ID", id + "A", false},
		{"ID with a dot", id[:21] + ".", false},
		{"empty ID", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := secret.TokenWithID(tc.id)
			if !tc.wantID {
				if len(tok) != 43 || !isBase64URL(tok) {
					t.Fatalf("TokenWithID(%q) = %q, want a token of 43 base64url characters", tc.id, tok)
				}
				return
			}
			if !withID.MatchString(tok) || !strings.HasPrefix(tok, tc.id+".") {
				t.Fatalf("TokenWithID(%q) = %q, want the ID, a dot and 43 base64url characters", tc.id, tok)
			}
			raw, err := base64.RawURLEncoding.DecodeString(tok[23:])
			if err != nil || len(raw) != secret.TokenBytes {
				t.Errorf("random part of %q: got %d bytes (%v), want %d", tok, len(raw), err, secret.TokenBytes)
			}
			if other := secret.TokenWithID(tc.id); other == tok {
				t.Errorf("TokenWithID(%q) twice: got %q both times", tc.id, tok)
			}
		})
	}
}

func TestDigestOfTokenWithID(t *testing.T) {
	id := secret.OrderedID(time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC))
	tok := secret.TokenWithID(id)
	tests := []struct {
		name, in string
		wantID   bool
	}{
		{"token with ID", tok, true},
		{"plain token", secret.Token(), false},
		{"dot one place early", tok[:21] + "." + tok[21:22] + tok[23:], false},
		{"one character short", tok[:65], false},
		{"one character long", tok + "A", false},
		{"second dot", tok[:40] + "." + tok[41:], false},
		{"space in the ID", " " + tok[1:], false},
		{"padding in the secret", tok[:65] + "=", false},
		{"JWT", "eyJhbGciOiJub25lIn0.e30.", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := secret.Digest(tc.in)
			want := plainDigest(tc.in)
			if tc.wantID {
				want = tc.in[:23] + want
			}
			if got != want {
				t.Errorf("Digest(%q) = %q, want %q", tc.in, got, want)
			}
		})
	}
	if a, b := secret.Digest(tok), secret.Digest(secret.TokenWithID(id)); a == b {
		t.Errorf("Digest of two tokens with one ID: got %q both times", a)
	}
	later := secret.TokenWithID(secret.OrderedID(time.Date(2026, 12, 6, 3, 0, 0, 1000, time.UTC)))
	if a, b := secret.Digest(tok), secret.Digest(later); a >= b {
		t.Errorf("Digest of a later token: got %q, not greater than %q", b, a)
	}
}

// FuzzDigest checks that every key ends in the digest of the whole token,
// and that only a token of the form TokenWithID makes keeps its ID.
func FuzzDigest(f *testing.F) {
	f.Add(secret.TokenWithID(secret.ID()))
	f.Add(secret.Token())
	f.Add("")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, in string) {
		got := secret.Digest(in)
		want := plainDigest(in)
		if withID.MatchString(in) {
			want = in[:23] + want
		}
		if got != want {
			t.Fatalf("Digest(%q) = %q, want %q", in, got, want)
		}
	})
}
