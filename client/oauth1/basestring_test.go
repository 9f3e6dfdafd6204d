package oauth1

import (
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestPercentEncode(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"unreserved kept", "AZaz09-._~", "AZaz09-._~"},
		{"space is %20 not +", "r b", "r%20b"},
		{"plus", "2+q", "2%2Bq"},
		{"percent", "%3D", "%253D"},
		{"reserved", ":/?#[]@!$&'()*,;=", "%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2C%3B%3D"},
		{"utf-8 uppercase hex", "é☃", "%C3%A9%E2%98%83"},
		{"control and binary", "\x00\n\xff", "%00%0A%FF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentEncode(tt.in); got != tt.want {
				t.Errorf("percentEncode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseForm(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []param
		wantErr bool
	}{
		{"empty", "", nil, false},
		{"RFC 5849 §3.4.1.3.1 query", "b5=%3D%253D&a3=a&c%40=&a2=r%20b",
			[]param{{"b5", "=%3D"}, {"a3", "a"}, {"c@", ""}, {"a2", "r b"}}, false},
		{"RFC 5849 §3.4.1.3.1 body", "c2&a3=2+q", []param{{"c2", ""}, {"a3", "2 q"}}, false},
		{"empty pairs skipped", "&a=1&&b=2&", []param{{"a", "1"}, {"b", "2"}}, false},
		{"empty name kept", "=v", []param{{"", "v"}}, false},
		{"value with =", "a=b=c", []param{{"a", "b=c"}}, false},
		{"semicolon is no separator", "a=1;b=2", []param{{"a", "1;b=2"}}, false},
		{"repeats kept in order", "a=2&a=1", []param{{"a", "2"}, {"a", "1"}}, false},
		{"bad escape in value", "a=%zz", nil, true},
		{"truncated escape in name", "a%4=1", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseForm(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseForm(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseForm(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBaseStringURI(t *testing.T) {
	tests := []struct {
		name, url, host, want string
	}{
		{"RFC 5849 §3.4.1.2 first example", "http://EXAMPLE.COM:80/r%20v/X?id=123", "", "http://example.com/r%20v/X"},
		{"RFC 5849 §3.4.1.2 Host header", "http://10.0.0.1/r%20v/X?id=123", "EXAMPLE.COM:80", "http://example.com/r%20v/X"},
		{"RFC 5849 §3.4.1.2 second example", "https://www.example.net:8080/?q=1", "", "https://www.example.net:8080/"},
		{"https default port dropped", "https://example.com:443/a", "", "https://example.com/a"},
		{"http on 443 keeps it", "http://example.com:443/a", "", "http://example.com:443/a"},
		{"https on 80 keeps it", "https://example.com:80/a", "", "https://example.com:80/a"},
		{"empty path is /", "https://example.com", "", "https://example.com/"},
		{"fragment dropped", "https://example.com/p#frag", "", "https://example.com/p"},
		{"IPv6 default port", "http://[::1]:80/p", "", "http://[::1]/p"},
		{"IPv6 other port", "http://[::1]:8080/p", "", "http://[::1]:8080/p"},
		{"IPv6 no port", "http://[::1]/p", "", "http://[::1]/p"},
		{"path escapes as sent", "http://example.com/a%7eb/c%2Fd", "", "http://example.com/a%7eb/c%2Fd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodGet, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			r.Host = tt.host
			got, err := baseStringURI(r)
			if err != nil {
				t.Fatalf("baseStringURI(%s): %v", tt.url, err)
			}
			if got != tt.want {
				t.Errorf("baseStringURI(%s, Host %q) = %q, want %q", tt.url, tt.host, got, tt.want)
			}
		})
	}
}

// rfcParams is the parameter list of RFC 5849 §3.4.1.3.1, fully decoded,
// in the RFC's order.
var rfcParams = []param{
	{"b5", "=%3D"}, {"a3", "a"}, {"c@", ""}, {"a2", "r b"},
	{"oauth_consumer_key", "9djdj82h48djs9d2"}, {"oauth_token", "kkk9d7dh3k39sjv7"},
	{"oauth_signature_method", "HMAC-SHA1"}, {"oauth_timestamp", "137131201"},
	{"oauth_nonce", "7d8f3e4a"}, {"c2", ""}, {"a3", "2 q"},
}

// rfcBaseString is the signature base string of RFC 5849 §3.4.1.1, with
// the display line breaks removed.
const rfcBaseString = "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q" +
	"%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_" +
	"key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m" +
	"ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk" +
	"9d7dh3k39sjv7"

func TestNormalizeParamsRFC5849(t *testing.T) {
	// RFC 5849 §3.4.1.3.2, the concatenated string.
	want := "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9dj" +
		"dj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1" +
		"&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
	if got := normalizeParams(rfcParams); got != want {
		t.Errorf("normalizeParams(RFC 5849 §3.4.1.3.1) =\n%s\nwant\n%s", got, want)
	}
}

// rfcRequest is the HTTP request of RFC 5849 §3.4.1.1 without its
// Authorization header.
func rfcRequest(t testing.TB) *http.Request {
	r, err := http.NewRequest(http.MethodPost, "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
		strings.NewReader("c2&a3=2+q"))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestRequestBaseStringRFC5849(t *testing.T) {
	r := rfcRequest(t)
	var c Config
	body, own, err := c.collect(r)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	got, err := requestBaseString(r, own, rfcParams[4:9])
	if err != nil {
		t.Fatalf("requestBaseString: %v", err)
	}
	if got != rfcBaseString {
		t.Errorf("base string =\n%s\nwant (RFC 5849 §3.4.1.1)\n%s", got, rfcBaseString)
	}
	if string(body) != "c2&a3=2+q" {
		t.Errorf("collected body = %q, want %q", body, "c2&a3=2+q")
	}
	again, err := io.ReadAll(r.Body)
	if err != nil || string(again) != "c2&a3=2+q" {
		t.Errorf("body after signing = %q, %v; want it readable again", again, err)
	}
}

func TestBaseStringSkipsNonFormBody(t *testing.T) {
	tests := []struct{ name, contentType string }{
		{"json", "application/json"},
		{"none", ""},
		{"multipart", "multipart/form-data; boundary=x"},
		{"malformed type", "application/x-www-form-urlencoded; ="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodPost, "http://example.com/request?a=1", strings.NewReader("b=2"))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			var c Config
			_, own, err := c.collect(r)
			if err != nil {
				t.Fatalf("collect: %v", err)
			}
			if want := []param{{"a", "1"}}; !reflect.DeepEqual(own, want) {
				t.Errorf("signed parameters = %q, want %q (body not form-encoded)", own, want)
			}
		})
	}
}

func TestFormContentTypeCaseAndCharset(t *testing.T) {
	for _, ct := range []string{"application/x-www-form-urlencoded", "Application/X-WWW-Form-URLEncoded; charset=UTF-8"} {
		if !isForm(ct) {
			t.Errorf("isForm(%q) = false, want true", ct)
		}
	}
}
