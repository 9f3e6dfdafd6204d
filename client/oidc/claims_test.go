package oidc

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/keyset"
)

// testVerifier verifies tokens of issuer for client c1 at the fixed time
// now, with the keys of the verification tests.
func testVerifier(t *testing.T, cfg VerifierConfig) *Verifier {
	t.Helper()
	testKeys(t)
	cfg.ClientID = "c1"
	cfg.Now = func() time.Time { return now }
	return NewVerifier(issuer, &keyset.JWKS{Keys: []keyset.PublicKey{rsaKey.Public()}}, cfg)
}

// claimsJSON returns a claims set as JSON text, members in the order given,
// so a test can place members that a map would sort or name one twice.
func claimsJSON(members ...string) []byte {
	return []byte("{" + strings.Join(members, ",") + "}")
}

// member returns one JSON object member.
func member(name string, v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q:%q", name, v)
	default:
		return fmt.Sprintf("%q:%v", name, v)
	}
}

// summary shows the claims of a verified token that the tests check.
func summary(t *IDToken) string {
	if t == nil {
		return "no token"
	}
	return fmt.Sprintf("token iss %q sub %.12q… aud %q exp %v nonce %q", t.Issuer, t.Subject, t.Audience, t.Expiry.UTC(), t.Nonce)
}

// JSON member names, and so JWT claim names, are compared code point by
// code point: RFC 7519 §7.3 applies the comparison rules of RFC 7515 §5.3,
// which defer to RFC 8259 §8.3. "ISS" or "Aud" are other, unregistered
// claims; OpenID Connect Core 1.0 §2 makes "iss", "sub", "aud", "exp" and
// "iat" REQUIRED, and §3.1.3.7 steps 2, 3, 9 and 11 check those exact
// claims. A claim whose name differs only in case must neither stand in
// for a required claim nor override one, and a claim named twice is
// rejected (RFC 7519 §4).
func TestClaimNamesAreCaseSensitive(t *testing.T) {
	iss, sub, aud := member("iss", issuer), member("sub", "alice"), member("aud", "c1")
	exp, iat := member("exp", now.Add(5*time.Minute).Unix()), member("iat", now.Unix())
	tests := []struct {
		name    string
		payload []byte
		exp     Expect
		wantErr error
	}{
		{
			name:    "lower-case claims are valid",
			payload: claimsJSON(iss, sub, aud, exp, iat),
		},
		{
			name:    "other claims that differ in case are kept apart",
			payload: claimsJSON(iss, sub, aud, exp, iat, member("nonce", "n-1"), member("Nonce", "n-attacker"), member("SUB", "mallory")),
			exp:     Expect{Nonce: "n-1"},
		},
		{
			name: "upper-case names stand in for the required claims",
			payload: claimsJSON(member("ISS", issuer), member("SUB", "alice"), member("AUD", "c1"),
				member("EXP", now.Add(5*time.Minute).Unix()), member("IAT", now.Unix())),
			wantErr: ErrClaims,
		},
		{
			// encoding/json folds "ſ" (U+017F) to "s" as well.
			name:    "names with a long s stand in for iss and sub",
			payload: claimsJSON(member("i\u017fs", issuer), member("\u017fub", "alice"), aud, exp, iat),
			wantErr: ErrClaims,
		},
		{
			name:    "AUD overrides aud of another client",
			payload: claimsJSON(iss, sub, member("aud", "c2"), member("AUD", "c1"), exp, iat),
			wantErr: ErrAudience,
		},
		{
			name:    "Exp overrides an expired exp",
			payload: claimsJSON(iss, sub, aud, member("exp", now.Add(-time.Hour).Unix()), member("Exp", now.Add(time.Hour).Unix()), iat),
			wantErr: ErrExpired,
		},
		{
			name:    "Nonce overrides a wrong nonce",
			payload: claimsJSON(iss, sub, aud, exp, iat, member("nonce", "n-attacker"), member("Nonce", "n-1")),
			exp:     Expect{Nonce: "n-1"},
			wantErr: ErrNonce,
		},
		{
			name:    "aud given twice",
			payload: claimsJSON(iss, sub, member("aud", "c2"), aud, exp, iat),
			wantErr: ErrClaims,
		},
	}
	v := testVerifier(t, VerifierConfig{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(bg, signWith(t, rsaKey, tt.payload), tt.exp)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify(%s): got error %v, want none", tt.payload, err)
				}
				if got.Subject != "alice" || got.Nonce != tt.exp.Nonce {
					t.Errorf("Verify(%s): got %s, want sub %q nonce %q", tt.payload, summary(got), "alice", tt.exp.Nonce)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify(%s): got %s, error %v; want error %v", tt.payload, summary(got), err, tt.wantErr)
			}
		})
	}
}

// Claim values of the wrong shape. OpenID Connect Core 1.0 §2: sub "MUST
// NOT exceed 255 ASCII characters in length" (a longer one may be cut
// where it is stored, so that two subjects become one). RFC 7519 §4.1.3:
// aud is a string or "an array of case-sensitive strings"; null is not a
// string, and encoding/json turns it into "" silently. An empty audience
// names no client.
func TestClaimValues(t *testing.T) {
	withAud := func(aud string) []byte {
		return claimsJSON(member("iss", issuer), member("sub", "alice"), `"aud":`+aud, member("azp", "c1"),
			member("exp", now.Add(5*time.Minute).Unix()), member("iat", now.Unix()))
	}
	tests := []struct {
		name    string
		claims  any
		wantErr error
	}{
		{name: "sub of 255 characters", claims: with(baseClaims(), "sub", strings.Repeat("a", 255))},
		{name: "sub of 256 characters", claims: with(baseClaims(), "sub", strings.Repeat("a", 256)), wantErr: ErrClaims},
		{name: "aud array of the client", claims: withAud(`["c1"]`)},
		{name: "aud array with null", claims: withAud(`["c1",null]`), wantErr: ErrClaims},
		{name: "aud array with an empty string", claims: withAud(`["c1",""]`), wantErr: ErrClaims},
		{name: "empty aud", claims: withAud(`""`), wantErr: ErrClaims},
		{name: "null aud", claims: withAud(`null`), wantErr: ErrClaims},
		{name: "empty aud array", claims: withAud(`[]`), wantErr: ErrClaims},
		{name: "aud array with a number", claims: withAud(`["c1",1]`), wantErr: ErrClaims},
	}
	v := testVerifier(t, VerifierConfig{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(bg, signWith(t, rsaKey, tt.claims), Expect{})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify: got %s, error %v; want error %v", summary(got), err, tt.wantErr)
			}
		})
	}
}
