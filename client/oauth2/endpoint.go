package oauth2

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grantry/grantry/internal/origin"
)

// EndpointRequest is a form POST about to be sent to the token, revocation
// or introspection endpoint. Client authentication and request hooks change
// it before it is encoded and sent.
type EndpointRequest struct {
	URL    *url.URL
	Header http.Header
	Form   url.Values
}

// Param is an extra request parameter, made by [SetParam].
type Param struct {
	name, value string
}

// SetParam returns a parameter that sets name to value in a request,
// replacing any value the client would send.
func SetParam(name, value string) Param {
	return Param{name: name, value: value}
}

func applyParams(v url.Values, params []Param) {
	for _, p := range params {
		v.Set(p.name, p.value)
	}
}

// post sends form to endpoint, authenticated, after hook (which may be nil)
// has seen it. A redirect to another scheme, host or port is not followed,
// so that the client's credentials and the grant are not sent there again.
func (c *Client) post(ctx context.Context, endpoint string, form url.Values, hook func(*EndpointRequest) error) (*http.Response, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("oauth2: %w", err)
	}
	er := &EndpointRequest{URL: u, Header: http.Header{"Accept": {"application/json"}}, Form: form}
	if err := c.auth(ctx, er); err != nil {
		return nil, err
	}
	if hook != nil {
		if err := hook(er); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, er.URL.String(), strings.NewReader(er.Form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("oauth2: %w", err)
	}
	for name, values := range er.Header {
		req.Header[name] = values
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := origin.Client(c.httpClient()).Do(req)
	if err != nil {
		return nil, fmt.Errorf("oauth2: %w", err)
	}
	return resp, nil
}
