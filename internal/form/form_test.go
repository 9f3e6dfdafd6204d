package form_test

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/grantry/grantry/internal/form"
)

// formStatus returns the Status of a *form.Error, or 0.
func formStatus(err error) int {
	var fe *form.Error
	if errors.As(err, &fe) {
		return fe.Status
	}
	return 0
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want form.Values
	}{
		{"empty", "", form.Values{}},
		{"one", "a=1", form.Values{"a": "1"}},
		{"several", "grant_type=client_credentials&scope=a+b", form.Values{"grant_type": "client_credentials", "scope": "a b"}},
		{"percent-encoded", "redirect_uri=https%3A%2F%2Fclient.test%2Fcb%3Fx%3D1", form.Values{"redirect_uri": "https://client.test/cb?x=1"}},
		{"encoded key", "client%5Fid=c1", form.Values{"client_id": "c1"}},
		{"plus is space", "a=x+y%20z", form.Values{"a": "x y z"}},
		{"encoded plus", "a=x%2By", form.Values{"a": "x+y"}},
		{"encoded semicolon", "a=x%3By", form.Values{"a": "x;y"}},
		{"encoded ampersand", "a=x%26b%3Dy", form.Values{"a": "x&b=y"}},
		{"empty value", "a=&b=2", form.Values{"a": "", "b": "2"}},
		{"no equals sign", "a&b=2", form.Values{"a": "", "b": "2"}},
		{"empty pairs skipped", "&&a=1&&b=2&", form.Values{"a": "1", "b": "2"}},
		{"equals in value", "a=b=c", form.Values{"a": "b=c"}},
		{"empty key", "=x", form.Values{"": "x"}},
		{"bytes beyond UTF-8", "a=%FF", form.Values{"a": "\xff"}},
		{"lower-case hex", "a=%2f", form.Values{"a": "/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := form.Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"repeated, same value", "a=1&a=1"},
		{"repeated, different values", "a=1&a=2"},
		{"repeated, both empty", "a=&a="},
		{"repeated, one empty", "a=&a=1"},
		{"repeated, without equals", "a&a"},
		{"repeated through encoding", "client_id=c1&client%5Fid=c1"},
		{"repeated far apart", "a=1&b=2&c=3&a=4"},
		{"repeated empty key", "=1&=2"},
		{"truncated escape", "a=%4"},
		{"lone percent", "a=%"},
		{"bad hex", "a=%zz"},
		{"bad escape in key", "%g1=x"},
		{"semicolon separator", "a=1;b=2"},
		{"semicolon in value", "a=x;y"},
		{"semicolon in key", "a;b=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := form.Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, nil; want an error", tt.in, got)
			}
			if got != nil {
				t.Errorf("Parse(%q) returned values %q with the error", tt.in, got)
			}
			if s := formStatus(err); s != http.StatusBadRequest {
				t.Errorf("Parse(%q) error %v has status %d, want 400", tt.in, err, s)
			}
		})
	}
}

func TestParseRepeatedReason(t *testing.T) {
	long := strings.Repeat("k", 100)
	tests := []struct {
		name, in, want string
	}{
		{"plain name", "scope=a&scope=b", "parameter scope is repeated"},
		{"name with quote and backslash", `x%22y%5Cz=1&x%22y%5Cz=2`, "parameter xyz is repeated"},
		{"long name cut", long + "=1&" + long + "=2", "parameter " + long[:40] + " is repeated"},
		{"control characters dropped", "a%0Ab=1&a%0Ab=2", "parameter ab is repeated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := form.Parse(tt.in)
			if err == nil {
				t.Fatal("Parse: want an error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValuesGetHas(t *testing.T) {
	v, err := form.Parse("a=1&empty=&bare")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		wantGet string
		wantHas bool
	}{
		{"a", "1", true},
		{"empty", "", false},
		{"bare", "", false},
		{"missing", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := v.Get(tt.name); got != tt.wantGet {
				t.Errorf("Get(%q) = %q, want %q", tt.name, got, tt.wantGet)
			}
			if got := v.Has(tt.name); got != tt.wantHas {
				t.Errorf("Has(%q) = %v, want %v", tt.name, got, tt.wantHas)
			}
		})
	}
}

func TestQuery(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		want    form.Values
		wantErr bool
	}{
		{"none", "/authorize", form.Values{}, false},
		{"parameters", "/authorize?response_type=code&client_id=c1&state=x%20y", form.Values{"response_type": "code", "client_id": "c1", "state": "x y"}, false},
		{"repeated", "/authorize?response_type=code&response_type=token", nil, true},
		{"semicolon", "/authorize?a=1;b=2", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			got, err := form.Query(r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Query(%s) error = %v, want error %v", tt.target, err, tt.wantErr)
			}
			if !tt.wantErr && !maps.Equal(got, tt.want) {
				t.Errorf("Query(%s) = %q, want %q", tt.target, got, tt.want)
			}
		})
	}
}

func postRequest(method, contentType, body string) *http.Request {
	r := httptest.NewRequest(method, "/token", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

const formType = "application/x-www-form-urlencoded"

func TestPostBody(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		maxBytes    int64
		want        form.Values
		wantStatus  int
	}{
		{"form", http.MethodPost, formType, "grant_type=client_credentials", 0, form.Values{"grant_type": "client_credentials"}, 0},
		{"charset parameter", http.MethodPost, formType + "; charset=UTF-8", "a=1", 0, form.Values{"a": "1"}, 0},
		{"charset without space", http.MethodPost, formType + ";charset=utf-8", "a=1", 0, form.Values{"a": "1"}, 0},
		{"upper-case media type", http.MethodPost, "Application/X-WWW-Form-URLEncoded", "a=1", 0, form.Values{"a": "1"}, 0},
		{"empty body", http.MethodPost, formType, "", 0, form.Values{}, 0},
		{"GET", http.MethodGet, formType, "a=1", 0, nil, http.StatusMethodNotAllowed},
		{"PUT", http.MethodPut, formType, "a=1", 0, nil, http.StatusMethodNotAllowed},
		{"HEAD", http.MethodHead, formType, "", 0, nil, http.StatusMethodNotAllowed},
		{"lower-case post", "post", formType, "a=1", 0, nil, http.StatusMethodNotAllowed},
		{"GET with JSON", http.MethodGet, "application/json", "{}", 0, nil, http.StatusMethodNotAllowed},
		{"no content type", http.MethodPost, "", "a=1", 0, nil, http.StatusUnsupportedMediaType},
		{"JSON", http.MethodPost, "application/json", `{"a":"1"}`, 0, nil, http.StatusUnsupportedMediaType},
		{"multipart", http.MethodPost, "multipart/form-data; boundary=x", "--x--", 0, nil, http.StatusUnsupportedMediaType},
		{"text", http.MethodPost, "text/plain", "a=1", 0, nil, http.StatusUnsupportedMediaType},
		{"media type prefix", http.MethodPost, formType + "x", "a=1", 0, nil, http.StatusUnsupportedMediaType},
		{"malformed parameters", http.MethodPost, formType + "; charset", "a=1", 0, nil, http.StatusUnsupportedMediaType},
		{"repeated", http.MethodPost, formType, "a=1&a=2", 0, nil, http.StatusBadRequest},
		{"malformed", http.MethodPost, formType, "a=%zz", 0, nil, http.StatusBadRequest},
		{"semicolon", http.MethodPost, formType, "a=1;b=2", 0, nil, http.StatusBadRequest},
		{"at the limit", http.MethodPost, formType, "a=" + strings.Repeat("x", 8), 10, form.Values{"a": strings.Repeat("x", 8)}, 0},
		{"one byte over", http.MethodPost, formType, "a=" + strings.Repeat("x", 9), 10, nil, http.StatusRequestEntityTooLarge},
		{"far over", http.MethodPost, formType, "a=" + strings.Repeat("x", 1000), 10, nil, http.StatusRequestEntityTooLarge},
		{"negative limit means default", http.MethodPost, formType, "a=" + strings.Repeat("x", 1000), -1, form.Values{"a": strings.Repeat("x", 1000)}, 0},
		{"default limit holds", http.MethodPost, formType, "a=" + strings.Repeat("x", form.DefaultMaxBytes-2), 0, form.Values{"a": strings.Repeat("x", form.DefaultMaxBytes-2)}, 0},
		{"default limit exceeded", http.MethodPost, formType, "a=" + strings.Repeat("x", form.DefaultMaxBytes-1), 0, nil, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := postRequest(tt.method, tt.contentType, tt.body)
			got, err := form.PostBody(r, tt.maxBytes)
			if tt.wantStatus != 0 {
				if err == nil {
					t.Fatalf("PostBody = %q, nil; want status %d", got, tt.wantStatus)
				}
				if s := formStatus(err); s != tt.wantStatus {
					t.Errorf("PostBody error %q has status %d, want %d", err, s, tt.wantStatus)
				}
				return
			}
			if err != nil {
				t.Fatalf("PostBody: %v", err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("PostBody = %.60q, want %.60q", got, tt.want)
			}
		})
	}
}

func TestBodyAnyMethod(t *testing.T) {
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodGet} {
		t.Run(m, func(t *testing.T) {
			got, err := form.Body(postRequest(m, formType, "a=1"), 0)
			if err != nil || got.Get("a") != "1" {
				t.Errorf("Body(%s) = %q, %v; want a=1", m, got, err)
			}
		})
	}
}

func TestBodyNil(t *testing.T) {
	t.Run("form", func(t *testing.T) {
		r := &http.Request{Method: http.MethodPost, Header: http.Header{"Content-Type": {formType}}}
		got, err := form.PostBody(r, 0)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("PostBody with nil Body = %#v, %v; want empty values", got, err)
		}
	})
	t.Run("other content type", func(t *testing.T) {
		r := &http.Request{Method: http.MethodPost, Header: http.Header{"Content-Type": {"application/json"}}}
		_, err := form.PostBody(r, 0)
		if s := formStatus(err); s != http.StatusUnsupportedMediaType {
			t.Errorf("PostBody with nil Body, JSON: status %d (%v), want 415", s, err)
		}
	})
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestBodyReadError(t *testing.T) {
	r := postRequest(http.MethodPost, formType, "")
	r.Body = io.NopCloser(io.MultiReader(strings.NewReader("a=1&"), failingReader{}))
	_, err := form.PostBody(r, 0)
	if s := formStatus(err); s != http.StatusBadRequest {
		t.Fatalf("PostBody with a failing body: status %d (%v), want 400", s, err)
	}
	if strings.Contains(err.Error(), "connection reset") {
		t.Errorf("error %q reveals the internal cause", err)
	}
}

// TestBodyReadsAtMostLimit checks that an oversized body is not read to its
// end: at most maxBytes+1 bytes are consumed.
func TestBodyReadsAtMostLimit(t *testing.T) {
	src := strings.NewReader(strings.Repeat("x", 1<<20))
	r := postRequest(http.MethodPost, formType, "")
	r.Body = io.NopCloser(src)
	_, err := form.PostBody(r, 100)
	if s := formStatus(err); s != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d (%v), want 413", s, err)
	}
	if read := src.Size() - int64(src.Len()); read > 101 {
		t.Errorf("read %d bytes of an oversized body, want at most 101", read)
	}
}

func TestErrorMessage(t *testing.T) {
	e := &form.Error{Status: http.StatusRequestEntityTooLarge, Reason: "the request body is too large"}
	if got := e.Error(); got != "the request body is too large" {
		t.Errorf("Error() = %q, want the reason", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "a=1", "a=1&b=2", "a=1&a=2", "a=&a=", "a", "&&", "=", "a=%zz", "a=%4", "a=1;b=2",
		"a=x+y%20z", "client%5Fid=c1&client_id=c1", "a=%FF", "redirect_uri=https%3A%2F%2Fc.test%2Fcb",
		"resource=a&resource=b", "resource=&resource=x", "resource=x%00y", "resource=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := form.Parse(s)
		std, stdErr := url.ParseQuery(s)
		if err != nil {
			if formStatus(err) != http.StatusBadRequest {
				t.Fatalf("Parse(%q) error %v has status %d, want 400", s, err, formStatus(err))
			}
			repeated := false
			for k, vals := range std {
				if form.Repeatable(k) {
					// A NUL is the only thing refused in a repeatable value.
					repeated = repeated || strings.Contains(strings.Join(vals, ""), form.Sep)
					continue
				}
				repeated = repeated || len(vals) > 1
			}
			if stdErr == nil && !repeated {
				t.Fatalf("Parse(%q): %v, but url.ParseQuery accepts it with no repeated key: %q", s, err, std)
			}
			return
		}
		if stdErr != nil {
			t.Fatalf("Parse(%q) = %q, but url.ParseQuery refuses it: %v", s, v, stdErr)
		}
		if len(std) != len(v) {
			t.Fatalf("Parse(%q) = %q, url.ParseQuery = %q", s, v, std)
		}
		enc := make(url.Values, len(v))
		for k, val := range v {
			if form.Repeatable(k) {
				want := slices.DeleteFunc(slices.Clone(std[k]), func(s string) bool { return s == "" })
				if got := v.All(k); !slices.Equal(got, want) {
					t.Fatalf("Parse(%q).All(%q) = %q, url.ParseQuery gives %q", s, k, got, std[k])
				}
				if enc[k] = v.All(k); enc[k] == nil {
					enc.Set(k, "")
				}
				continue
			}
			if got := std[k]; len(got) != 1 || got[0] != val {
				t.Fatalf("Parse(%q)[%q] = %q, url.ParseQuery gives %q", s, k, val, got)
			}
			enc.Set(k, val)
		}
		again, err := form.Parse(enc.Encode())
		if err != nil || !maps.Equal(again, v) {
			t.Fatalf("round trip of %q through %q = %q, %v", v, enc.Encode(), again, err)
		}
	})
}

// resource (RFC 8707 §2) and audience (RFC 8693 §2.1) may repeat: their
// values are kept in order.
func TestParseRepeatable(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{"audience twice, in order", "audience=b&resource=x&audience=a", []string{"b", "a"}, false},
		{"absent", "a=1", nil, false},
		{"once", "resource=https%3A%2F%2Fa.test", []string{"https://a.test"}, false},
		{"twice, in order", "resource=https%3A%2F%2Fb.test&a=1&resource=https%3A%2F%2Fa.test", []string{"https://b.test", "https://a.test"}, false},
		{"empty values omitted", "resource=&resource=x&resource=", []string{"x"}, false},
		{"only empty", "resource=", nil, false},
		{"NUL in a value", "resource=x%00y", nil, true},
		{"other parameters still may not repeat", "resource=x&scope=a&scope=b", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := form.Parse(tt.in)
			if tt.wantErr {
				if formStatus(err) != http.StatusBadRequest {
					t.Errorf("Parse(%q): got error %v, want a 400", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): got error %v", tt.in, err)
			}
			name := "resource"
			if strings.HasPrefix(tt.in, "audience") {
				name = "audience"
			}
			if got := v.All(name); !slices.Equal(got, tt.want) {
				t.Errorf("All(%s): got %q, want %q", name, got, tt.want)
			}
		})
	}
}

// TestPostBodyValuesOutliveBuffer parses bodies one after another, as the
// read buffers are reused: values parsed earlier must not change.
func TestPostBodyValuesOutliveBuffer(t *testing.T) {
	bodies := []string{"a=first&b=" + strings.Repeat("x", 600), "a=second", "a=third&b=y"}
	var got []form.Values
	for _, body := range bodies {
		r := postRequest(http.MethodPost, formType, body)
		v, err := form.PostBody(r, 0)
		if err != nil {
			t.Fatalf("PostBody(%q): got error %v, want nil", body, err)
		}
		got = append(got, v)
	}
	for i, want := range []string{"first", "second", "third"} {
		if got[i].Get("a") != want {
			t.Errorf("body %d: got a=%q, want %q", i, got[i].Get("a"), want)
		}
	}
}
