package origin

import (
	"errors"
	"net/http"
	"time"
)

// FetchTimeout bounds a request of the client that FetchClient returns:
// the fetch of a public document (metadata, a JWK Set, UserInfo), body
// included.
const FetchTimeout = 10 * time.Second

// ErrDowngrade is the error of a redirect from https to plain http.
var ErrDowngrade = errors.New("refused a redirect from https to http")

// fetchClient is the client FetchClient returns.
var fetchClient = &http.Client{Timeout: FetchTimeout, CheckRedirect: noDowngrade(nil)}

// FetchClient returns the default client for the documents a party fetches
// from another: a FetchTimeout bound on each request, so that a server that
// never answers does not hold the caller for ever, and no redirect from
// https to http followed (see NoDowngrade).
func FetchClient() *http.Client { return fetchClient }

// NoDowngrade returns a shallow copy of hc that refuses to follow a
// redirect from https to plain http: a document fetched over TLS, such as
// metadata or a JWK Set that decides whose signatures are trusted, must
// not come from a plain http answer that anyone on the path could forge.
// Other redirects are left to hc.CheckRedirect, or to net/http's limit of
// 10. hc is not changed.
func NoDowngrade(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = noDowngrade(hc.CheckRedirect)
	return &c
}

func noDowngrade(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" && via[len(via)-1].URL.Scheme == "https" {
			return ErrDowngrade
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}
