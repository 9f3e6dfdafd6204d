package oauth1

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

const formType = "application/x-www-form-urlencoded"

// isForm reports whether a Content-Type names a form-encoded body, the
// only kind whose parameters are signed (RFC 5849 §3.4.1.3.1).
func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == formType
}

// readBody reads the entity-body of a form-encoded request, leaving
// r.Body readable again (and GetBody set) for the send.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("oauth1: reading request body: %w", err)
	}
	setBody(r, body)
	return body, nil
}

// setBody makes body the request's replayable entity-body.
func setBody(r *http.Request, body []byte) {
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.Body = http.NoBody
		r.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(body)), nil
	}
}

// requestParams collects the request's own parameters (RFC 5849
// §3.4.1.3.1): the URI query and, for a form-encoded request, the body.
// Neither may already hold an "oauth_" parameter: protocol parameters go
// in one place only and each at most once (§3.1, §3.5).
func requestParams(r *http.Request, body []byte, form bool) ([]param, error) {
	ps, err := parseForm(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w (in the query)", err)
	}
	if form {
		bps, err := parseForm(string(body))
		if err != nil {
			return nil, fmt.Errorf("%w (in the body)", err)
		}
		ps = append(ps, bps...)
	}
	for _, p := range ps {
		if strings.HasPrefix(p.name, "oauth_") {
			return nil, fmt.Errorf("%w: %q", ErrReservedParameter, p.name)
		}
	}
	return ps, nil
}
