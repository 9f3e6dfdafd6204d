package openid

import (
	"encoding/json"
	"testing"
)

// FuzzParseClaimsRequest checks that any claims parameter is parsed or
// refused with invalid_request, never a panic, and that what is parsed
// survives a round trip.
func FuzzParseClaimsRequest(f *testing.F) {
	for _, s := range []string{
		`{"userinfo":{"email":{"essential":true},"name":null}}`,
		`{"id_token":{"acr":{"values":["a","b"]},"auth_time":{"essential":true}}}`,
		`{}`, `null`, `[]`, `{"userinfo":[1]}`, `{"id_token":{"x":{"value":{"nested":1}}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cr, err := ParseClaimsRequest(raw)
		if err != nil {
			return
		}
		b, err := json.Marshal(cr)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if _, err := ParseClaimsRequest(string(b)); err != nil {
			t.Fatalf("round trip of %q: %v", b, err)
		}
		_ = cr.Essential()
	})
}

// FuzzPrompt checks prompt and max_age parsing: no panic, and none is
// never accepted beside another value.
func FuzzPrompt(f *testing.F) {
	for _, s := range []string{"none", "login consent", "none login", "select_account", "", "  none  "} {
		f.Add(s, "0")
	}
	f.Add("login", "-1")
	f.Add("login", "99999999999999999999")
	f.Fuzz(func(t *testing.T, prompt, maxAge string) {
		values, err := parsePrompt(prompt)
		if err == nil && len(values) > 1 {
			for _, v := range values {
				if v == PromptNone {
					t.Fatalf("prompt %q: none accepted with other values", prompt)
				}
			}
		}
		if d, err := parseMaxAge(maxAge); err == nil && d < -1 {
			t.Fatalf("max_age %q: got %v", maxAge, d)
		}
	})
}

// FuzzAudience checks the aud claim's two forms.
func FuzzAudience(f *testing.F) {
	for _, s := range []string{`"a"`, `["a","b"]`, `[]`, `1`, `null`, `[1]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var a audience
		_ = json.Unmarshal([]byte(raw), &a)
	})
}
