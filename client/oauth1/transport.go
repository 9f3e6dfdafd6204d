package oauth1

import (
	"net/http"
)

// Transport is an http.RoundTripper that signs every request with the
// Config's client credentials and the token credentials Token (RFC 5849
// §3) before handing it to Base. The caller's request is not modified.
type Transport struct {
	Config *Config
	Token  Credentials
	Base   http.RoundTripper // nil means http.DefaultTransport
}

// RoundTrip signs a copy of req and sends it. Following the RoundTripper
// contract, req.Body is closed even when signing fails (a form body is
// read and closed by signing, and a copy sent in its place).
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
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

// Client returns an *http.Client that signs every request, redirects
// included, with the client credentials and the token credentials tok. It
// keeps the Timeout, CheckRedirect and Jar of c.HTTPClient and sends
// through its Transport.
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
