package grantry_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/grantry/grantry"
)

// rfc7662Response is the example response of RFC 7662 §2.2.
const rfc7662Response = `{
  "active": true,
  "client_id": "l238j323ds-23ij4",
  "username": "jdoe",
  "scope": "read write dolphin",
  "sub": "Z5O3upPC88QrAjx00dis",
  "aud": "https://protected.example.net/resource",
  "iss": "https://server.example.com/",
  "exp": 1419356238,
  "iat": 1419350238,
  "extension_field": "twenty-seven"
}`

func rfc7662Info() *grantry.TokenInfo {
	return &grantry.TokenInfo{
		Active:    true,
		Scope:     grantry.Scope{"read", "write", "dolphin"},
		ClientID:  "l238j323ds-23ij4",
		Username:  "jdoe",
		ExpiresAt: time.Unix(1419356238, 0).UTC(),
		IssuedAt:  time.Unix(1419350238, 0).UTC(),
		Subject:   "Z5O3upPC88QrAjx00dis",
		Audience:  []string{"https://protected.example.net/resource"},
		Issuer:    "https://server.example.com/",
		Extra:     map[string]any{"extension_field": "twenty-seven"},
	}
}

func TestTokenInfoUnmarshalRFC7662Example(t *testing.T) {
	var got grantry.TokenInfo
	if err := json.Unmarshal([]byte(rfc7662Response), &got); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if want := rfc7662Info(); !reflect.DeepEqual(&got, want) {
		t.Errorf("got %+v, want %+v", got, *want)
	}
}

// TestTokenInfoMarshalGolden checks the wire form of an introspection
// response against testdata/tokeninfo.golden.
func TestTokenInfoMarshalGolden(t *testing.T) {
	info := rfc7662Info()
	info.TokenType = "Bearer"
	info.NotBefore = time.Unix(1419350238, 0)
	info.JTI = "t-1"
	info.Audience = append(info.Audience, "https://other.example.net/")
	info.Extra["active"] = false // never replaces a standard member
	info.Extra["a_first"] = []int{1, 2}
	got, err := json.Marshal(info)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "tokeninfo.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.TrimSpace(want)) {
		t.Errorf("got  %s\nwant %s", got, bytes.TrimSpace(want))
	}
}

func TestTokenInfoMarshal(t *testing.T) {
	exp := time.Unix(1700000000, 0)
	tests := []struct {
		name string
		info grantry.TokenInfo
		want string
	}{
		{"inactive carries nothing else", grantry.TokenInfo{ClientID: "c1", Scope: grantry.Scope{"a"}, ExpiresAt: exp}, `{"active":false}`},
		{"active with nothing known", grantry.TokenInfo{Active: true}, `{"active":true}`},
		{"one audience is a string", grantry.TokenInfo{Active: true, Audience: []string{"x"}}, `{"active":true,"aud":"x"}`},
		{"several audiences are an array", grantry.TokenInfo{Active: true, Audience: []string{"x", "y"}}, `{"active":true,"aud":["x","y"]}`},
		{"times are seconds", grantry.TokenInfo{Active: true, ExpiresAt: exp.Add(999 * time.Millisecond)}, `{"active":true,"exp":1700000000}`},
		{"strings are escaped", grantry.TokenInfo{Active: true, Subject: `a"b<`}, `{"active":true,"sub":"a\"b\u003c"}`},
		{"extras sorted after the standard members", grantry.TokenInfo{Active: true, JTI: "j", Extra: map[string]any{"z": 1, "b": "x", "scope": "no"}},
			`{"active":true,"jti":"j","b":"x","z":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.info.MarshalJSON()
			if err != nil {
				t.Fatalf("MarshalJSON: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestTokenInfoMarshalExtraError(t *testing.T) {
	info := grantry.TokenInfo{Active: true, Extra: map[string]any{"f": func() {}}}
	if _, err := info.MarshalJSON(); err == nil {
		t.Error("got no error for an extra member JSON cannot encode, want one")
	}
}

func TestTokenInfoUnmarshal(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    grantry.TokenInfo
		wantErr bool
	}{
		{name: "inactive", in: `{"active":false}`, want: grantry.TokenInfo{}},
		{name: "inactive drops the rest", in: `{"active":false,"scope":"a","client_id":"c"}`, want: grantry.TokenInfo{}},
		{name: "audience array", in: `{"active":true,"aud":["x","y"]}`, want: grantry.TokenInfo{Active: true, Audience: []string{"x", "y"}}},
		{name: "nulls count as omitted", in: `{"active":true,"sub":null,"exp":null,"aud":null}`, want: grantry.TokenInfo{Active: true}},
		{name: "fractional time", in: `{"active":true,"nbf":1700000000.75}`, want: grantry.TokenInfo{Active: true, NotBefore: time.Unix(1700000000, 0).UTC()}},
		{name: "token type and jti", in: `{"active":true,"token_type":"Bearer","jti":"j"}`, want: grantry.TokenInfo{Active: true, TokenType: "Bearer", JTI: "j"}},
		{name: "duplicate scope tokens collapse", in: `{"active":true,"scope":"a  b a"}`, want: grantry.TokenInfo{Active: true, Scope: grantry.Scope{"a", "b"}}},
		{name: "missing active", in: `{"scope":"a"}`, wantErr: true},
		{name: "active as a string", in: `{"active":"true"}`, wantErr: true},
		{name: "active null", in: `{"active":null}`, wantErr: true},
		{name: "not an object", in: `[true]`, wantErr: true},
		{name: "null document", in: `null`, wantErr: true},
		{name: "scope not a string", in: `{"active":true,"scope":["a"]}`, wantErr: true},
		{name: "scope with a quote", in: `{"active":true,"scope":"a\"b"}`, wantErr: true},
		{name: "client_id a number", in: `{"active":true,"client_id":7}`, wantErr: true},
		{name: "exp a string", in: `{"active":true,"exp":"1700000000"}`, wantErr: true},
		{name: "negative iat", in: `{"active":true,"iat":-1}`, wantErr: true},
		{name: "exp beyond the year 9999", in: `{"active":true,"exp":1e300}`, wantErr: true},
		{name: "aud a number", in: `{"active":true,"aud":5}`, wantErr: true},
		{name: "aud array of numbers", in: `{"active":true,"aud":[5]}`, wantErr: true},
		{name: "truncated", in: `{"active":true`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got grantry.TokenInfo
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s): got error %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Unmarshal(%s): got %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestTokenInfoUnmarshalLeavesTargetOnError(t *testing.T) {
	info := grantry.TokenInfo{Active: true, ClientID: "kept"}
	if err := info.UnmarshalJSON([]byte(`{"active":true,"exp":"x"}`)); err == nil {
		t.Fatal("got no error, want one")
	}
	if !info.Active || info.ClientID != "kept" {
		t.Errorf("got %+v after a failed decode, want the value unchanged", info)
	}
}

func TestTokenInfoActiveAt(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		info        grantry.TokenInfo
		wantActive  bool
		wantExpired bool
	}{
		{"inactive", grantry.TokenInfo{}, false, false},
		{"active, no times", grantry.TokenInfo{Active: true}, true, false},
		{"expires later", grantry.TokenInfo{Active: true, ExpiresAt: now.Add(time.Second)}, true, false},
		{"expires now", grantry.TokenInfo{Active: true, ExpiresAt: now}, false, true},
		{"expired", grantry.TokenInfo{Active: true, ExpiresAt: now.Add(-time.Second)}, false, true},
		{"not yet valid", grantry.TokenInfo{Active: true, NotBefore: now.Add(time.Second)}, false, false},
		{"valid from now", grantry.TokenInfo{Active: true, NotBefore: now}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.info.ActiveAt(now); got != tt.wantActive {
				t.Errorf("ActiveAt: got %v, want %v", got, tt.wantActive)
			}
			if got := tt.info.Expired(now); got != tt.wantExpired {
				t.Errorf("Expired: got %v, want %v", got, tt.wantExpired)
			}
		})
	}
}

func TestTokenInfoClone(t *testing.T) {
	orig := rfc7662Info()
	c := orig.Clone()
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("got %+v, want a copy of %+v", c, orig)
	}
	c.Scope[0] = "changed"
	c.Audience[0] = "changed"
	c.Extra["extension_field"] = "changed"
	if orig.Scope[0] != "read" || orig.Audience[0] != "https://protected.example.net/resource" || orig.Extra["extension_field"] != "twenty-seven" {
		t.Errorf("changing the clone changed the original: %+v", orig)
	}
}

func TestTokenInfoRoundTrip(t *testing.T) {
	info := rfc7662Info()
	info.TokenType = "Bearer"
	info.JTI = "j"
	info.NotBefore = info.IssuedAt
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	var got grantry.TokenInfo
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	if !reflect.DeepEqual(&got, info) {
		t.Errorf("got %+v, want %+v", got, *info)
	}
}

// FuzzTokenInfoUnmarshal checks that any input decodes or fails without
// panicking, and that what decodes survives a round trip.
func FuzzTokenInfoUnmarshal(f *testing.F) {
	for _, s := range []string{rfc7662Response, `{"active":false}`, `{"active":true,"aud":["a","b"],"exp":1.5}`, `{}`, `[]`, `{"active":true,"x":{"y":[1,null]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var info grantry.TokenInfo
		if err := json.Unmarshal(data, &info); err != nil {
			return
		}
		b, err := json.Marshal(&info)
		if err != nil {
			t.Fatalf("Marshal of decoded %q: %v", data, err)
		}
		var again grantry.TokenInfo
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("decoding our own %s: %v", b, err)
		}
		if again.Active != info.Active || again.Scope.String() != info.Scope.String() || again.ClientID != info.ClientID ||
			again.ExpiresAt.Unix() != info.ExpiresAt.Unix() || len(again.Audience) != len(info.Audience) {
			t.Errorf("round trip of %q: got %+v, want %+v", data, again, info)
		}
	})
}
