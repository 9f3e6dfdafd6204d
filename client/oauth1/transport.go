package oauth1

import (
	"net/http"

	"github.com/grantry/grantry/internal/origin"
)

// Transport is an http.RoundTripper that signs every request with the
// Config's client credentials and the token credentials Token (RFC 5849
// §3) before handing it to Base. The caller's request is not modified.
//
// When an http.Client follows a redirect, only requests to the scheme,
// host and port of the first request of the chain are signed; a request to
// any other is sent unsigned, as it is. A signature is meant for one
// server, and a PLAINTEXT one is the two shared secrets in the clear
// (RFC 5849 §3.4.4).
type Transport struct {
	Config *Config
	Token  Credentials
	Base   http.RoundTripper // nil means http.DefaultTransport
}

// RoundTrip signs a copy of req and sends it, or sends req unsigned when
// it follows a redirect to another origin. Following the RoundTripper
// contract, req.Body is closed even when signing fails (a form body is
// read and closed by signing, and a copy sent in its place).
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !origin.Same(origin.First(req).URL, req.URL) {
		return t.base().RoundTrip(req)
	}
	signed := req.Clone(req.Context())
	if err := t.Config.Sign(signed, t.Token); err != nil {
		closeBody(req)
		return nil, err
	}
	return t.base().RoundTrip(signed)
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

func closeBody(r *http.Request) {
	if r.Body != nil {
		r.Body.Close()
	}
}

// Client returns an *http.Client that signs every request with the client
// credentials and the token credentials tok, through a [Transport]: a
// redirect to the same scheme, host and port is signed again, one to any
// other is followed unsigned. It keeps the Timeout, CheckRedirect and Jar
// of c.HTTPClient and sends through its Transport.
func (c *Config) Client(tok Credentials) *http.Client {
	base := http.DefaultClient
	if c != nil {
		base = c.client()
	}
	return &http.Client{
		Transport:     &Transport{Config: c, Token: tok, Base: base.Transport},
		CheckRedirect: base.CheckRedirect,
		Jar:           base.Jar,
		Timeout:       base.Timeout,
	}
}
