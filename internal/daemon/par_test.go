package daemon

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/par"
	"github.com/grantry/grantry/keyset"
)

// withPAR enables the pushed authorization request endpoint.
func withPAR(c *serveConfig) { c.PAR = true }

// push pushes the authorization request q as oidfClient and returns the
// response.
func (o *oidf) push(q url.Values) response {
	o.t.Helper()
	form := url.Values{}
	for k, v := range q {
		if k != "client_id" {
			form[k] = v
		}
	}
	return o.postAs(oidfClient, o.secret, "/par", form)
}

// pushed pushes q and returns the request_uri, failing unless the answer
// is 201.
func (o *oidf) pushed(q url.Values) string {
	o.t.Helper()
	r := o.push(q)
	var body struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	if r.status != http.StatusCreated || json.Unmarshal([]byte(r.body), &body) != nil {
		o.t.Fatalf("push: status %d %s, want 201 with a request_uri", r.status, r.body)
	}
	if !strings.HasPrefix(body.RequestURI, par.URIPrefix) || body.ExpiresIn != 60 {
		o.t.Fatalf("push: got %s, want a request_uri of the server living 60 s", r.body)
	}
	return body.RequestURI
}

func byReference(uri string) url.Values {
	return url.Values{"client_id": {oidfClient}, "request_uri": {uri}}
}

// TestServePAR pushes an authorization request and uses its request_uri
// through sign-in and consent to a code and tokens; the request_uri then
// is used up.
func TestServePAR(t *testing.T) {
	o := newOIDF(t, withPAR)
	uri := o.pushed(authzQuery("state", "pushed-state"))
	c := o.browser()
	f := o.authorize(c, byReference(uri))
	if !f.signedIn || !f.consented {
		t.Errorf("got sign-in %v and consent %v, want both pages", f.signedIn, f.consented)
	}
	v := o.callback(f, false)
	if v.Get("code") == "" || v.Get("state") != "pushed-state" {
		t.Fatalf("callback %v, want a code and the pushed state", v)
	}
	tok := o.exchangeCode(v.Get("code"))
	if _, alg := o.idToken(str(tok["id_token"]), "oidf-nonce"); alg == "" {
		t.Errorf("got no ID token in %v", tok)
	}

	t.Run("reused", func(t *testing.T) {
		v := o.callback(o.authorize(c, byReference(uri)), false)
		if v.Get("error") != "invalid_request_uri" || v.Get("code") != "" {
			t.Errorf("callback %v, want invalid_request_uri and no code", v)
		}
	})
	t.Run("signed in already", func(t *testing.T) {
		uri := o.pushed(authzQuery())
		v := o.callback(o.authorize(c, byReference(uri)), false)
		if v.Get("code") == "" {
			t.Errorf("callback %v, want a code", v)
		}
	})
	t.Run("expired", func(t *testing.T) {
		client, err := o.store.GetClient(t.Context(), oidfClient)
		if err != nil {
			t.Fatal(err)
		}
		params := authserver.Params{"client_id": oidfClient, "response_type": "code", "redirect_uri": oidfCallback, "scope": "openid", "nonce": "n"}
		uri, err := o.app.par.Push(t.Context(), &authserver.AuthorizationRequest{Client: client, Params: params},
			time.Now().Add(-2*time.Minute), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		v := o.callback(o.authorize(o.browser(), byReference(uri)), false)
		if v.Get("error") != "invalid_request_uri" || v.Get("code") != "" {
			t.Errorf("callback %v, want invalid_request_uri and no code", v)
		}
	})
	t.Run("refused push", func(t *testing.T) {
		r := o.push(authzQuery("redirect_uri", "https://evil.example/cb"))
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `"invalid_request"`) || r.header.Get("Location") != "" {
			t.Errorf("push: got %d %s, want 400 invalid_request", r.status, r.body)
		}
		r = o.postAs(oidfClient, "wrong", "/par", authzQuery())
		if r.status != http.StatusUnauthorized {
			t.Errorf("push with a wrong secret: got %d, want 401", r.status)
		}
	})
	t.Run("metadata", func(t *testing.T) {
		m := o.metadata()
		if m["pushed_authorization_request_endpoint"] != o.app.cfg.Issuer+"/par" || m["request_uri_parameter_supported"] != true {
			t.Errorf("metadata: got %v, want the /par endpoint and request_uri_parameter_supported", m)
		}
		if _, ok := m["require_pushed_authorization_requests"]; ok {
			t.Errorf("require_pushed_authorization_requests: got %v, want absent", m["require_pushed_authorization_requests"])
		}
	})
}

// metadata reads the server metadata.
func (o *oidf) metadata() map[string]any {
	o.t.Helper()
	r := o.get(http.DefaultClient, "/.well-known/openid-configuration")
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		o.t.Fatalf("metadata: %v", err)
	}
	return m
}

// TestServeRequirePAR checks --require-par: a plain request is refused,
// a pushed one accepted, and the metadata says so.
func TestServeRequirePAR(t *testing.T) {
	o := newOIDF(t, func(c *serveConfig) { c.PAR, c.RequirePAR = true, true })
	v := o.callback(o.authorize(o.browser(), authzQuery()), false)
	if v.Get("error") != "invalid_request" || v.Get("code") != "" {
		t.Errorf("plain request: callback %v, want invalid_request", v)
	}
	o.codeByReference(byReference(o.pushed(authzQuery())))
	if m := o.metadata(); m["require_pushed_authorization_requests"] != true {
		t.Errorf("require_pushed_authorization_requests: got %v, want true", m["require_pushed_authorization_requests"])
	}
}

// TestServePAROff checks that without --par there is no endpoint.
func TestServePAROff(t *testing.T) {
	o := newOIDF(t)
	if r := o.postAs(oidfClient, o.secret, "/par", authzQuery()); r.status != http.StatusNotFound {
		t.Errorf("POST /par: got %d, want 404", r.status)
	}
	if _, ok := o.metadata()["pushed_authorization_request_endpoint"]; ok {
		t.Error("metadata: got pushed_authorization_request_endpoint, want none")
	}
}

// signedClient gives oidfClient the public key of a new key and returns
// the key.
func (o *oidf) signedClient(requireSigned bool) *keyset.Key {
	o.t.Helper()
	key, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		o.t.Fatal(err)
	}
	doc, err := (&keyset.JWKS{Keys: []keyset.PublicKey{key.Public()}}).MarshalJSON()
	if err != nil {
		o.t.Fatal(err)
	}
	c, err := o.store.GetClient(o.t.Context(), oidfClient)
	if err != nil {
		o.t.Fatal(err)
	}
	c.JWKS, c.RequireSignedRequestObject = string(doc), requireSigned
	if err := o.store.UpdateClient(o.t.Context(), c); err != nil {
		o.t.Fatal(err)
	}
	return key
}

// requestObject signs the parameters of q as a request object.
func (o *oidf) requestObject(key *keyset.Key, q url.Values) string {
	o.t.Helper()
	claims := map[string]any{"iss": oidfClient, "aud": o.app.cfg.Issuer, "exp": time.Now().Add(5 * time.Minute).Unix()}
	for k := range q {
		claims[k] = q.Get(k)
	}
	obj, err := key.SignJWT(claims, "oauth-authz-req+jwt")
	if err != nil {
		o.t.Fatal(err)
	}
	return obj
}

// TestServeJAR sends signed request objects, by value and pushed, and
// checks that tampered and unsigned ones are refused.
func TestServeJAR(t *testing.T) {
	o := newOIDF(t, withPAR)
	key := o.signedClient(false)
	c := o.browser()
	obj := o.requestObject(key, authzQuery("state", "signed-state", "prompt", "login"))
	q := url.Values{"client_id": {oidfClient}, "request": {obj}, "state": {"query-state"}, "scope": {"openid email"}}
	f := o.authorize(c, q)
	v := o.callback(f, false)
	if v.Get("code") == "" || v.Get("state") != "signed-state" {
		t.Fatalf("callback %v, want a code and the object's state", v)
	}
	if tok := o.exchangeCode(v.Get("code")); tok["scope"] != "openid" {
		t.Errorf("scope: got %v, want the object's openid", tok["scope"])
	}

	t.Run("pushed", func(t *testing.T) {
		form := url.Values{"request": {o.requestObject(key, authzQuery())}}
		r := o.postAs(oidfClient, o.secret, "/par", form)
		var body struct {
			RequestURI string `json:"request_uri"`
		}
		if r.status != http.StatusCreated || json.Unmarshal([]byte(r.body), &body) != nil {
			t.Fatalf("push: got %d %s, want 201", r.status, r.body)
		}
		o.codeByReference(byReference(body.RequestURI))
	})
	parts := strings.Split(o.requestObject(key, authzQuery()), ".")
	forged, _ := json.Marshal(map[string]any{"client_id": oidfClient, "response_type": "code", "redirect_uri": oidfCallback, "scope": "openid email"})
	hdr, _ := json.Marshal(map[string]string{"alg": "none"})
	refused := map[string]string{
		"tampered": parts[0] + "." + b64url(forged) + "." + parts[2],
		"unsigned": b64url(hdr) + "." + parts[1] + ".",
	}
	for name, obj := range refused {
		t.Run(name, func(t *testing.T) {
			q := authzQuery("request", obj)
			v := o.callback(o.authorize(o.browser(), q), false)
			if v.Get("error") != "invalid_request_object" || v.Get("code") != "" {
				t.Errorf("callback %v, want invalid_request_object and no code", v)
			}
		})
	}
	t.Run("metadata", func(t *testing.T) {
		m := o.metadata()
		if m["request_parameter_supported"] != true || m["request_object_signing_alg_values_supported"] == nil {
			t.Errorf("metadata: got %v, want request objects supported", m)
		}
	})
}

// TestServeRequireSignedRequestObject checks a client that must sign.
func TestServeRequireSignedRequestObject(t *testing.T) {
	o := newOIDF(t)
	key := o.signedClient(true)
	v := o.callback(o.authorize(o.browser(), authzQuery()), false)
	if v.Get("error") != "invalid_request" || v.Get("code") != "" {
		t.Errorf("plain request: callback %v, want invalid_request", v)
	}
	o.codeByReference(url.Values{"client_id": {oidfClient}, "request": {o.requestObject(key, authzQuery())}})
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// codeByReference runs the flow of q, a request by reference or signed
// carrying authzQuery's state, in a new browser, and fails unless it
// ends with a code and that state.
func (o *oidf) codeByReference(q url.Values) {
	o.t.Helper()
	v := o.callback(o.authorize(o.browser(), q), false)
	if v.Get("code") == "" || v.Get("state") != "oidf-state" {
		o.t.Fatalf("callback %v, want a code and state oidf-state", v)
	}
}

// TestServeRequestFlags checks what --par-lifetime accepts and what
// --require-par and --require-signed-request-object imply.
func TestServeRequestFlags(t *testing.T) {
	tests := []struct {
		name            string
		set             func(*serveConfig)
		wantErr         string
		wantPAR, wantRO bool
	}{
		{"defaults", func(*serveConfig) {}, "", false, true},
		{"require-par implies par", func(c *serveConfig) { c.RequirePAR = true }, "", true, true},
		{"require signed implies request objects", func(c *serveConfig) {
			c.RequestObjects, c.RequireSignedRequestObject = false, true
		}, "", false, true},
		{"request objects off", func(c *serveConfig) { c.RequestObjects = false }, "", false, false},
		{"zero lifetime", func(c *serveConfig) { c.PARLifetime = 0 }, "--par-lifetime", false, false},
		{"long lifetime", func(c *serveConfig) { c.PARLifetime = time.Hour }, "--par-lifetime", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t, tt.set)
			err := cfg.check()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("check: got %v, want an error mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.PAR != tt.wantPAR || cfg.RequestObjects != tt.wantRO {
				t.Errorf("check: got (%v, par %v, request objects %v), want (nil, %v, %v)", err, cfg.PAR, cfg.RequestObjects, tt.wantPAR, tt.wantRO)
			}
		})
	}
}

// TestServeRequestObjectsOff checks that with --request-objects=false the
// request parameter is refused as unsupported.
func TestServeRequestObjectsOff(t *testing.T) {
	o := newOIDF(t, func(c *serveConfig) { c.RequestObjects = false })
	key := o.signedClient(false)
	v := o.callback(o.authorize(o.browser(), authzQuery("request", o.requestObject(key, authzQuery()))), false)
	if v.Get("error") != "request_not_supported" || v.Get("code") != "" {
		t.Errorf("callback %v, want request_not_supported and no code", v)
	}
	if m := o.metadata(); m["request_parameter_supported"] != false {
		t.Errorf("request_parameter_supported: got %v, want false", m["request_parameter_supported"])
	}
}
