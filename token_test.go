package grantry_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/grantry/grantry"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// checkGolden compares got with testdata/name, or rewrites the file when
// the -update flag is given.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot  %s\nwant %s", path, got, want)
	}
}

// objectKeys returns the member names of a JSON object in document order,
// duplicates included (json.Unmarshal would hide them).
func objectKeys(t *testing.T, doc []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("document %s does not start an object: %v %v", doc, tok, err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("reading key of %s: %v", doc, err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("reading value of %s: %v", doc, err)
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		t.Fatalf("document %s does not end its object: %v %v", doc, tok, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("document %s has data after the object", doc)
	}
	return keys
}

func goldenTokenResponse() *grantry.TokenResponse {
	r := &grantry.TokenResponse{
		AccessToken:  "2YotnFZFEjr1zCsicMWpAA",
		TokenType:    grantry.TokenTypeBearer,
		ExpiresIn:    3600,
		RefreshToken: "tGzv3JOkF0XG5Qx2TlKWIA",
		Scope:        grantry.Scope{"openid", "profile"},
	}
	r.Set("id_token", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
	r.Set("example_parameter", "example_value")
	r.Set("authorization_details", []map[string]any{{"type": "payment_initiation"}})
	// Standard parameters cannot be replaced through Extra.
	r.Set("access_token", "evil")
	r.Set("token_type", "mac")
	r.Set("expires_in", 1)
	r.Set("refresh_token", "evil")
	r.Set("scope", "admin")
	return r
}

func TestTokenResponseGolden(t *testing.T) {
	got, err := goldenTokenResponse().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "token_response.golden", got)
}

func TestTokenResponseExtraNeverOverrides(t *testing.T) {
	got, err := goldenTokenResponse().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	keys := objectKeys(t, got)
	want := []string{"access_token", "token_type", "expires_in", "refresh_token", "scope",
		"authorization_details", "example_parameter", "id_token"}
	if strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{
		"access_token":  "2YotnFZFEjr1zCsicMWpAA",
		"token_type":    "Bearer",
		"expires_in":    float64(3600),
		"refresh_token": "tGzv3JOkF0XG5Qx2TlKWIA",
		"scope":         "openid profile",
	} {
		if m[k] != v {
			t.Errorf("%s = %#v, want %#v", k, m[k], v)
		}
	}
}

// TestTokenResponseRFCExample marshals the example of RFC 6749 §5.1.
func TestTokenResponseRFCExample(t *testing.T) {
	r := &grantry.TokenResponse{
		AccessToken:  "2YotnFZFEjr1zCsicMWpAA",
		TokenType:    "example",
		ExpiresIn:    3600,
		RefreshToken: "tGzv3JOkF0XG5Qx2TlKWIA",
	}
	r.Set("example_parameter", "example_value")
	got, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	const rfc = `{
       "access_token":"2YotnFZFEjr1zCsicMWpAA",
       "token_type":"example",
       "expires_in":3600,
       "refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA",
       "example_parameter":"example_value"
     }`
	var want bytes.Buffer
	if err := json.Compact(&want, []byte(rfc)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("MarshalJSON = %s, want %s", got, want.Bytes())
	}
}

func TestTokenResponseOptionalMembers(t *testing.T) {
	tests := []struct {
		name string
		resp grantry.TokenResponse
		want []string
	}{
		{"minimal", grantry.TokenResponse{AccessToken: "a", TokenType: "Bearer"}, []string{"access_token", "token_type"}},
		{"zero expires_in", grantry.TokenResponse{AccessToken: "a", TokenType: "Bearer", ExpiresIn: 0}, []string{"access_token", "token_type"}},
		{"negative expires_in", grantry.TokenResponse{AccessToken: "a", TokenType: "Bearer", ExpiresIn: -5}, []string{"access_token", "token_type"}},
		{"empty scope", grantry.TokenResponse{AccessToken: "a", TokenType: "Bearer", Scope: grantry.Scope{}}, []string{"access_token", "token_type"}},
		{"scope only", grantry.TokenResponse{AccessToken: "a", TokenType: "Bearer", Scope: grantry.Scope{"x"}}, []string{"access_token", "token_type", "scope"}},
		{"refresh only", grantry.TokenResponse{AccessToken: "a", TokenType: "Bearer", RefreshToken: "r"}, []string{"access_token", "token_type", "refresh_token"}},
		{"empty extra map", grantry.TokenResponse{AccessToken: "a", TokenType: "Bearer", Extra: map[string]any{}}, []string{"access_token", "token_type"}},
		{"extras sorted", grantry.TokenResponse{AccessToken: "a", TokenType: "Bearer", Extra: map[string]any{"z": 1, "b": nil, "m": true}}, []string{"access_token", "token_type", "b", "m", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.resp.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if keys := objectKeys(t, got); strings.Join(keys, ",") != strings.Join(tt.want, ",") {
				t.Errorf("keys of %s = %q, want %q", got, keys, tt.want)
			}
		})
	}
}

func TestTokenResponseMarshalThroughEncodingJSON(t *testing.T) {
	r := goldenTokenResponse()
	r.AccessToken = "tok\"with\\odd<chars>&\u2028"
	r.Set("nested", map[string]any{"a": []int{1, 2}, "b": "x"})
	r.Set("weird \"name\"", "v")
	direct, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(direct) {
		t.Fatalf("MarshalJSON output is not valid JSON: %s", direct)
	}
	viaStd, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("json.Marshal(*TokenResponse): %v", err)
	}
	var a, b map[string]any
	if err := json.Unmarshal(direct, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(viaStd, &b); err != nil {
		t.Fatal(err)
	}
	if a["access_token"] != r.AccessToken {
		t.Errorf("access_token = %q, want %q", a["access_token"], r.AccessToken)
	}
	if a["weird \"name\""] != "v" {
		t.Errorf(`"weird \"name\"" = %#v, want "v"`, a["weird \"name\""])
	}
	if len(a) != len(b) || a["access_token"] != b["access_token"] {
		t.Errorf("json.Marshal gives %s, MarshalJSON gives %s", viaStd, direct)
	}
}

func TestTokenResponseMarshalError(t *testing.T) {
	tests := []struct {
		name  string
		value any
	}{
		{"channel", make(chan int)},
		{"function", func() {}},
		{"infinity", math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &grantry.TokenResponse{AccessToken: "a", TokenType: "Bearer"}
			r.Set("bad", tt.value)
			got, err := r.MarshalJSON()
			if err == nil {
				t.Errorf("MarshalJSON = %s, nil; want an error", got)
			}
		})
	}
}

func TestTokenResponseSet(t *testing.T) {
	var r grantry.TokenResponse
	r.Set("a", 1)
	r.Set("a", 2)
	r.Set("b", "x")
	if len(r.Extra) != 2 || r.Extra["a"] != 2 || r.Extra["b"] != "x" {
		t.Errorf("Extra = %#v, want map[a:2 b:x]", r.Extra)
	}
}

// jsonStringInputs are strings AppendJSONString must encode as
// encoding/json does, up to the choice among equivalent escapes.
var jsonStringInputs = []string{
	"",
	"plain",
	"2YotnFZFEjr1zCsicMWpAA",
	`quote " and backslash \`,
	"<script>alert(1)</script> & co",
	"new\nline\rreturn\ttab",
	"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
	"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
	"\x7f DEL",
	"/slash/",
	"déjà vu",
	"日本語",
	"emoji 🙂 and \U0010FFFF",
	"line sep \u2028 para sep \u2029",
	"bom \ufeff",
	"\\u0041 is not unescaped",
	`ends with backslash\`,
	strings.Repeat("a", 1000) + "\"" + strings.Repeat("b", 1000),
}

// differsInEscapeChoice reports whether encoding/json may pick another,
// equivalent escape for s: \b and \f, and U+2028 and U+2029, which it
// escapes and AppendJSONString leaves as they are (both are valid JSON).
func differsInEscapeChoice(s string) bool {
	return strings.ContainsAny(s, "\b\f\u2028\u2029")
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, in := range jsonStringInputs {
		name := in
		if len(name) > 30 {
			name = name[:30]
		}
		t.Run(name, func(t *testing.T) {
			got := grantry.AppendJSONString(nil, in)
			if !json.Valid(got) {
				t.Fatalf("AppendJSONString(%q) = %s, not valid JSON", in, got)
			}
			var back string
			if err := json.Unmarshal(got, &back); err != nil || back != in {
				t.Fatalf("decoding %s = %q, %v; want %q", got, back, err, in)
			}
			want, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			if !differsInEscapeChoice(in) && !bytes.Equal(got, want) {
				t.Errorf("AppendJSONString(%q) = %s, encoding/json gives %s", in, got, want)
			}
		})
	}
}

func TestAppendJSONStringEscapes(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{``, `""`},
		{`"`, `"\""`},
		{`\`, `"\\"`},
		{"\n", `"\n"`},
		{"\r", `"\r"`},
		{"\t", `"\t"`},
		{"\x00", `"\u0000"`},
		{"\x1f", `"\u001f"`},
		{"\b", `"\u0008"`},
		{"\f", `"\u000c"`},
		{"<", `"\u003c"`},
		{">", `"\u003e"`},
		{"&", `"\u0026"`},
		{"a<b>c", `"a\u003cb\u003ec"`},
		{"é", `"é"`},
		{"\x7f", "\"\x7f\""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := string(grantry.AppendJSONString(nil, tt.in)); got != tt.want {
				t.Errorf("AppendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestAppendJSONStringAppends(t *testing.T) {
	prefix := []byte(`{"k":`)
	buf := make([]byte, len(prefix), 64)
	copy(buf, prefix)
	got := grantry.AppendJSONString(buf, "v<")
	if want := `{"k":"v\u003c"`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if &got[0] != &buf[0] {
		t.Error("AppendJSONString reallocated although the buffer had room")
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStringInputs {
		f.Add(s)
	}
	f.Add("\xff\xfe")
	f.Add("a\xc3")
	f.Fuzz(func(t *testing.T, s string) {
		got := grantry.AppendJSONString([]byte("x"), s)
		if got[0] != 'x' {
			t.Fatalf("prefix overwritten: %q", got)
		}
		got = got[1:]
		if !utf8.ValidString(s) {
			return // the input must be UTF-8; only the absence of a panic is checked
		}
		if !json.Valid(got) || !utf8.Valid(got) {
			t.Fatalf("AppendJSONString(%q) = %q, not valid UTF-8 JSON", s, got)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != s {
			t.Fatalf("decoding %q = %q, %v; want %q", got, back, err, s)
		}
		if bytes.ContainsAny(got, "<>&") {
			t.Fatalf("AppendJSONString(%q) = %q holds an unescaped HTML character", s, got)
		}
		for _, c := range got {
			if c < 0x20 {
				t.Fatalf("AppendJSONString(%q) = %q holds a raw control character", s, got)
			}
		}
	})
}
