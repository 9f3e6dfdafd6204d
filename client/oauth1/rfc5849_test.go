package oauth1_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/client/oauth1"
)

// wireStep is one request of an RFC example and the server's answer.
type wireStep struct {
	https    bool
	method   string
	uri      string // request-target
	golden   string // testdata file holding the RFC's Authorization header
	response string // form-encoded body from the RFC
}

// rfcHosts serves the RFC's example hosts over TLS (port 443) and plain
// http (port 80) and checks each request against its step byte for byte.
func rfcHosts(t *testing.T, steps map[string]wireStep) *http.Client {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]bool{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		st, ok := steps[r.URL.Path]
		if !ok || seen[r.URL.Path] {
			t.Errorf("unexpected request %s %s", r.Method, r.RequestURI)
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		seen[r.URL.Path] = true
		if got := r.TLS != nil; got != st.https {
			t.Errorf("%s over TLS = %v, want %v", r.URL.Path, got, st.https)
		}
		if r.Method != st.method || r.RequestURI != st.uri {
			t.Errorf("request line = %s %s, want %s %s", r.Method, r.RequestURI, st.method, st.uri)
		}
		if got, want := r.Header.Get("Authorization"), readGolden(t, st.golden); got != want {
			t.Errorf("%s Authorization =\n%s\nwant (%s)\n%s", r.URL.Path, got, st.golden, want)
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		io.WriteString(w, st.response)
	})
	tlsSrv, plainSrv := httptest.NewTLSServer(h), httptest.NewServer(h)
	t.Cleanup(tlsSrv.Close)
	t.Cleanup(plainSrv.Close)
	t.Cleanup(func() {
		for path := range steps {
			if !seen[path] {
				t.Errorf("no request reached %s", path)
			}
		}
	})
	return routedClient(t, tlsSrv, plainSrv)
}

// routedClient sends every https request to tlsSrv and every http one to
// plainSrv, whatever the host name, so that requests keep the RFC's URLs.
func routedClient(t *testing.T, tlsSrv, plainSrv *httptest.Server) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(tlsSrv.Certificate())
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "example.com"},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			target := plainSrv.Listener.Addr().String()
			if strings.HasSuffix(addr, ":443") {
				target = tlsSrv.Listener.Addr().String()
			}
			return (&net.Dialer{}).DialContext(ctx, network, target)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func readGolden(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// sequence returns successive values on each call, as the RFC's example
// requests use successive timestamps and fresh nonces.
func sequence[T any](t *testing.T, vals ...T) func() T {
	i := 0
	return func() T {
		if i >= len(vals) {
			t.Errorf("called %d times, want at most %d", i+1, len(vals))
			return vals[len(vals)-1]
		}
		i++
		return vals[i-1]
	}
}

// TestRFC5849Example runs the whole example of RFC 5849 §1.2 on the wire:
// every Authorization header must be the RFC's, signature included.
func TestRFC5849Example(t *testing.T) {
	client := rfcHosts(t, map[string]wireStep{
		"/initiate": {true, "POST", "/initiate", "rfc5849_1.2_initiate.golden",
			"oauth_token=hh5s93j4hdidpola&oauth_token_secret=hdhd0244k9j7ao03&oauth_callback_confirmed=true"},
		"/token": {true, "POST", "/token", "rfc5849_1.2_token.golden",
			"oauth_token=nnch734d00sl2jdk&oauth_token_secret=pfkkdhi9sl3r4s00"},
		"/photos": {false, "GET", "/photos?file=vacation.jpg&size=original", "rfc5849_1.2_photos.golden", "photo"},
	})
	cfg := &oauth1.Config{
		ConsumerKey: "dpf43f3p2l4k3l03", ConsumerSecret: "kd94hf93k423kf44",
		Realm: "Photos", Callback: "http://printer.example.com/ready",
		Endpoint: oauth1.Endpoint{
			TemporaryCredentialsURL: "https://photos.example.net/initiate",
			AuthorizationURL:        "https://photos.example.net/authorize",
			TokenURL:                "https://photos.example.net/token",
		},
		HTTPClient: client,
		Now:        sequence(t, time.Unix(137131200, 0), time.Unix(137131201, 0), time.Unix(137131202, 0)),
		Nonce:      sequence(t, "wIjqoS", "walatlh", "chapoH"),
	}
	ctx := context.Background()

	temp, err := cfg.RequestTemporaryCredentials(ctx)
	if err != nil {
		t.Fatalf("RequestTemporaryCredentials: %v", err)
	}
	assertCredentials(t, "temporary", temp, "hh5s93j4hdidpola", "hdhd0244k9j7ao03")
	authURL, err := cfg.AuthorizationURL(temp, nil)
	if want := "https://photos.example.net/authorize?oauth_token=hh5s93j4hdidpola"; err != nil || authURL != want {
		t.Errorf("AuthorizationURL = %q, %v; want %q", authURL, err, want)
	}
	// http://printer.example.com/ready?oauth_token=hh5s93j4hdidpola&oauth_verifier=hfdp7dh39dks9884
	verifier, err := oauth1.ParseCallback("oauth_token=hh5s93j4hdidpola&oauth_verifier=hfdp7dh39dks9884", temp)
	if err != nil || verifier != "hfdp7dh39dks9884" {
		t.Fatalf("ParseCallback = %q, %v; want hfdp7dh39dks9884", verifier, err)
	}
	tok, err := cfg.RequestTokenCredentials(ctx, temp, verifier)
	if err != nil {
		t.Fatalf("RequestTokenCredentials: %v", err)
	}
	assertCredentials(t, "token", tok, "nnch734d00sl2jdk", "pfkkdhi9sl3r4s00")

	resp, err := cfg.Client(tok).Get("http://photos.example.net/photos?file=vacation.jpg&size=original")
	if err != nil {
		t.Fatalf("GET photos: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET photos: got %s, want 200 OK", resp.Status)
	}
}

// TestRFC5849PlaintextExample runs the PLAINTEXT examples of RFC 5849
// §2.1–§2.3, which carry neither timestamp nor nonce.
func TestRFC5849PlaintextExample(t *testing.T) {
	client := rfcHosts(t, map[string]wireStep{
		"/request_temp_credentials": {true, "POST", "/request_temp_credentials", "rfc5849_2.1_initiate.golden",
			"oauth_token=hdk48Djdsa&oauth_token_secret=xyz4992k83j47x0b&oauth_callback_confirmed=true"},
		"/request_token": {true, "POST", "/request_token", "rfc5849_2.3_token.golden",
			"oauth_token=j49ddk933skd9dks&oauth_token_secret=ll399dj47dskfjdk"},
	})
	cfg := &oauth1.Config{
		ConsumerKey: "jd83jd92dhsh93js", ConsumerSecret: "ja893SD9",
		SignatureMethod: oauth1.Plaintext, Realm: "Example",
		Callback: "http://client.example.net/cb?x=1",
		Endpoint: oauth1.Endpoint{
			TemporaryCredentialsURL: "https://server.example.com/request_temp_credentials",
			AuthorizationURL:        "https://server.example.com/authorize_access",
			TokenURL:                "https://server.example.com/request_token",
		},
		HTTPClient: client,
		Now:        func() time.Time { t.Error("PLAINTEXT read the clock"); return time.Now() },
		Nonce:      func() string { t.Error("PLAINTEXT made a nonce"); return "x" },
	}
	ctx := context.Background()
	temp, err := cfg.RequestTemporaryCredentials(ctx)
	if err != nil {
		t.Fatalf("RequestTemporaryCredentials: %v", err)
	}
	assertCredentials(t, "temporary", temp, "hdk48Djdsa", "xyz4992k83j47x0b")
	authURL, err := cfg.AuthorizationURL(temp, nil)
	if want := "https://server.example.com/authorize_access?oauth_token=hdk48Djdsa"; err != nil || authURL != want {
		t.Errorf("AuthorizationURL = %q, %v; want %q", authURL, err, want)
	}
	// GET /cb?x=1&oauth_token=hdk48Djdsa&oauth_verifier=473f82d3
	verifier, err := oauth1.ParseCallback("x=1&oauth_token=hdk48Djdsa&oauth_verifier=473f82d3", temp)
	if err != nil || verifier != "473f82d3" {
		t.Fatalf("ParseCallback = %q, %v; want 473f82d3", verifier, err)
	}
	tok, err := cfg.RequestTokenCredentials(ctx, temp, verifier)
	if err != nil {
		t.Fatalf("RequestTokenCredentials: %v", err)
	}
	assertCredentials(t, "token", tok, "j49ddk933skd9dks", "ll399dj47dskfjdk")
}

func assertCredentials(t *testing.T, kind string, got oauth1.Credentials, token, secret string) {
	t.Helper()
	if got.Token != token || got.Secret != secret || got.Extra != nil {
		t.Errorf("%s credentials = %+v, want token %q, secret %q, no extra", kind, got, token, secret)
	}
}

// opaqueSigner hides the concrete key type, as a hardware-backed key does.
type opaqueSigner struct{ crypto.Signer }

func loadRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rsa_test_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatal("testdata/rsa_test_key.pem: no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

// TestSignatureMethods signs the protected resource request of RFC 5849
// §1.2 with every method. The HMAC-SHA1 value is the RFC's. HMAC-SHA256
// and RSA-SHA1 have no RFC vector; their values were computed once with
// Python's hmac module and the cryptography package over the same base
// string (the RSA key is testdata/rsa_test_key.pem).
func TestSignatureMethods(t *testing.T) {
	key := loadRSAKey(t)
	tests := []struct {
		name   string
		method oauth1.SignatureMethod
		signer crypto.Signer
		url    string
		want   string
	}{
		{"HMAC-SHA1 (RFC 5849 §1.2)", oauth1.HMACSHA1, nil, "http://photos.example.net/photos", "MdpQcU8iPSUjWoN/UDMsK2sui9I="},
		{"default method is HMAC-SHA1", "", nil, "http://photos.example.net/photos", "MdpQcU8iPSUjWoN/UDMsK2sui9I="},
		{"HMAC-SHA256", oauth1.HMACSHA256, nil, "http://photos.example.net/photos", "HtMwoX2zenlFjgGg/SNEoKEQmL7CzxYFEKzs7er044Y="},
		{"RSA-SHA1 with *rsa.PrivateKey", oauth1.RSASHA1, key, "http://photos.example.net/photos", readGolden(t, "rsa_sha1_photos.golden")},
		{"RSA-SHA1 with an opaque Signer", oauth1.RSASHA1, opaqueSigner{key}, "http://photos.example.net/photos", readGolden(t, "rsa_sha1_photos.golden")},
		{"PLAINTEXT over https", oauth1.Plaintext, nil, "https://photos.example.net/photos", "kd94hf93k423kf44&pfkkdhi9sl3r4s00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &oauth1.Config{
				ConsumerKey: "dpf43f3p2l4k3l03", ConsumerSecret: "kd94hf93k423kf44",
				SignatureMethod: tt.method, Signer: tt.signer,
				Now:   func() time.Time { return time.Unix(137131202, 0) },
				Nonce: func() string { return "chapoH" },
			}
			req, _ := http.NewRequest(http.MethodGet, tt.url+"?file=vacation.jpg&size=original", nil)
			if err := cfg.Sign(req, oauth1.Credentials{Token: "nnch734d00sl2jdk", Secret: "pfkkdhi9sl3r4s00"}); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			got := map[string]string{}
			for _, kv := range headerParams(req.Header.Get("Authorization")) {
				got[kv[0]] = kv[1]
			}
			if got["oauth_signature"] != tt.want {
				t.Errorf("oauth_signature = %q, want %q", got["oauth_signature"], tt.want)
			}
			_, hasTS := got["oauth_timestamp"]
			if wantTS := tt.method != oauth1.Plaintext; hasTS != wantTS {
				t.Errorf("oauth_timestamp present = %v, want %v", hasTS, wantTS)
			}
		})
	}
}

// TestRFC5849AuthenticatedRequest signs the request of RFC 5849 §3.1.
// The RFC prints oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D" for the
// secrets "j49sk3j29djd" and "dh893hdasih9", but HMAC-SHA1 over the RFC's
// own base string (§3.4.1.1, checked in TestRequestBaseStringRFC5849) with
// those secrets gives r6/TJjbCOr97/+UU0NsvSne7s5g= (computed independently
// with Python's hmac module); the printed value cannot be reproduced, so
// it is not asserted here.
func TestRFC5849AuthenticatedRequest(t *testing.T) {
	cfg := &oauth1.Config{
		ConsumerKey: "9djdj82h48djs9d2", ConsumerSecret: "j49sk3j29djd", Realm: "Example",
		Now:   func() time.Time { return time.Unix(137131201, 0) },
		Nonce: func() string { return "7d8f3e4a" },
	}
	req, _ := http.NewRequest(http.MethodPost, "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
		strings.NewReader("c2&a3=2+q"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := cfg.Sign(req, oauth1.Credentials{Token: "kkk9d7dh3k39sjv7", Secret: "dh893hdasih9"}); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	want := `OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", ` +
		`oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", ` +
		`oauth_signature="r6%2FTJjbCOr97%2F%2BUU0NsvSne7s5g%3D"`
	if got := req.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization =\n%s\nwant\n%s", got, want)
	}
	body, _ := io.ReadAll(req.Body)
	if string(body) != "c2&a3=2+q" {
		t.Errorf("body = %q, want it unchanged %q", body, "c2&a3=2+q")
	}
}
